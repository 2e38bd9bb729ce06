import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Benchmarks

/// The measurements behind `likeness bench` (the command only prints them): timed calls with their
/// CPU time and heap allocations, per-layer times, a deterministic input, plain OpenBLAS sgemm speed
/// and process memory.
public enum Benchmarks {
    /// `iterations` timed calls after `warmup` untimed ones.
    public struct TimedRuns: Sendable {
        /// Wall milliseconds of each timed call.
        public let milliseconds: [Double]
        /// CPU seconds of the whole process (all threads) over the timed calls.
        public let cpuSeconds: Double
        /// Heap allocations during the timed calls, when the allocation counter is preloaded.
        public let allocations: Int?
    }

    /// Times `body`: warm-up, then `iterations` calls, each by the wall clock, with the process's CPU time
    /// and (when Scripts/allocation-counter.c is preloaded) its heap allocations over all of them.
    public static func time(iterations: Int, warmup: Int, _ body: () -> Void) -> TimedRuns {
        var totals = [Double](repeating: 0, count: iterations)
        let counter = AllocationCounter()
        for _ in 0..<warmup { body() }
        // The window counted is the loop alone: the buffer access and the first clock read (which may
        // allocate the first time they run, in a debug build or through the dynamic linker) are outside it.
        var allocationsBefore: Int?, allocationsAfter: Int?
        var cpuStart = 0.0, cpuEnd = 0.0
        totals.withUnsafeMutableBufferPointer { tp in
            let probe = DispatchTime.now().uptimeNanoseconds
            tp[0] = Double(DispatchTime.now().uptimeNanoseconds - probe) / 1e6
            cpuStart = processCPUSeconds()
            allocationsBefore = counter?.count()
            for i in 0..<iterations {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                tp[i] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            }
            allocationsAfter = counter?.count()
            cpuEnd = processCPUSeconds()
        }
        var allocations: Int?
        if let before = allocationsBefore, let after = allocationsAfter { allocations = after - before }
        let cpuSeconds = cpuEnd - cpuStart
        return TimedRuns(milliseconds: totals, cpuSeconds: cpuSeconds, allocations: allocations)
    }

    /// Milliseconds of every layer of `model` in each of `iterations` runs on its current input:
    /// `[layer][run]`, by the wall clock or (`threadCPUClock`) the calling thread's CPU clock.
    public static func layerTimes(_ model: CompiledModel, iterations: Int, threadCPUClock: Bool) -> [[Double]] {
        let count = model.layers.count
        var nanoseconds = [UInt64](repeating: 0, count: count)
        var perLayer = [[Double]](repeating: [], count: count)
        nanoseconds.withUnsafeMutableBufferPointer { lp in
            for _ in 0..<iterations {
                for i in 0..<lp.count { lp[i] = 0 }
                model.run(layerNanoseconds: lp, threadCPUClock: threadCPUClock)
                for i in 0..<lp.count { perLayer[i].append(Double(lp[i]) / 1e6) }
            }
        }
        return perLayer
    }

    /// A deterministic input for `model`: latents from a sine pattern, or an image in [-1, 1] with
    /// structure at every scale.
    public static func input(for model: CompiledModel) -> [Float] {
        let image = model.inputShape.count == 4
        return (0..<model.inputCount).map { (i: Int) -> Float in
            let x = Double(i)
            if !image { return Float(sin(x * 12.9898)) }
            let slow: Double = sin(x * 0.0137) * 0.6
            let fast: Double = sin(x * 1.7) * 0.3
            return Float(slow + fast)
        }
    }

    /// The value at fraction `p` of the sorted values (nearest rank); 0 for none.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count - 1) * p).rounded())))
        return sorted[index]
    }

    /// User + system CPU seconds of this process (all threads).
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// The heap allocation count of Scripts/allocation-counter.c, when it is preloaded (LD_PRELOAD).
    public struct AllocationCounter {
        private let function: @convention(c) () -> Int

        public init?() {
            #if os(Linux)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "likeness_allocation_count") else { return nil }
            function = unsafeBitCast(symbol, to: (@convention(c) () -> Int).self)
            #else
            return nil
            #endif
        }

        public func count() -> Int { function() }
    }

    /// GFLOP/s of `cblas_sgemm` alone on an (M, N, K) problem with `threads` OpenBLAS threads.
    ///
    /// Runs for about `seconds` and reports the median of the timed calls. Restores the
    /// OpenBLAS thread count afterwards. With `threadCPUClock` (meaningful for one thread) the
    /// calls are timed by this thread's CPU clock.
    public static func sgemmGFLOPS(m: Int, n: Int, k: Int, threads: Int, seconds: Double = 0.3, threadCPUClock: Bool = false) -> Double {
        let previous = BLAS.threads
        BLAS.setThreads(max(1, threads))
        defer { BLAS.setThreads(previous) }
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<(m * k) { a[i] = Float(i % 7) * 0.1 }
        for i in 0..<(k * n) { b[i] = Float(i % 5) * 0.1 }
        var times: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let t0 = ExecutionPlan.now(threadCPUClock)
            BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)
            times.append(Double(ExecutionPlan.now(threadCPUClock) - t0) / 1e9)
        } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds || times.count < 5
        times.sort()
        return 2 * Double(m) * Double(n) * Double(k) / times[times.count / 2] / 1e9
    }

    /// Peak resident set size in bytes (`VmHWM` from /proc/self/status), or nil where unavailable.
    public static var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kb = digits.first { return kb * 1024 }
        }
        return nil
    }
}
