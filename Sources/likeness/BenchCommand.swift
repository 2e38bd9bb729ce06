import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LikenessEngine

// MARK: - likeness bench

/// `likeness bench`: per-layer and whole-frame speed of the engine on a model.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the generator: ms per frame (median, p90), GFLOP/s per layer, peak memory.",
        discussion: """
            Default model: Models/met-portraits-128/model.onnx, else .cache/bench-128.onnx (a random-weight \
            128x128 generator made by `make fixtures`). Compare with ONNX Runtime using \
            Models/training/bench_reference.py, which runs both side by side.
            """)

    @Option(help: "The .onnx model to measure.")
    var model: String?

    @Option(help: "Frames per call.")
    var batch: Int = 1

    @Option(help: "Threads (0 = automatic, 2 on a 2-core machine).")
    var threads: Int = 0

    @Option(help: "Timed iterations (calls).")
    var iterations: Int = 50

    @Option(help: "Untimed warm-up iterations.")
    var warmup: Int = 5

    @Flag(help: "Skip timing plain sgemm on the GEMM layers' shapes.")
    var noSgemm = false

    @Flag(help: "Time layers by the main thread's CPU clock instead of the wall clock (steadier on a busy machine; with several threads it shows the main thread's share).")
    var cpuClock = false

    @Flag(help: "Print one JSON object with the totals as the last line (for scripts).")
    var json = false

    @Option(help: ArgumentHelp("A detail stage after the generator (repeat it, in chain order): measure the frame pipeline per detail level, then run auto's level changes and crossfades, instead of the generator's layers.", valueName: "stage.onnx"))
    var detail: [String] = []

    @Option(help: ArgumentHelp("With --detail: the canvas every level is resampled to (square).", valueName: "pixels"))
    var canvas: Int = 1024

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (automatic) or more") }
        guard iterations >= 1, warmup >= 0 else { throw ValidationError("--iterations must be at least 1 and --warmup at least 0") }
        guard (16...4096).contains(canvas) else { throw ValidationError("--canvas must be 16 to 4096 pixels") }
        if !detail.isEmpty && batch != 1 { throw ValidationError("--detail measures frames one at a time; leave out --batch") }
    }

    static func defaultModel() -> String? {
        ["Models/met-portraits-128/model.onnx", ".cache/bench-128.onnx"].first { FileManager.default.fileExists(atPath: $0) }
    }

    func run() throws {
        guard let path = model ?? Bench.defaultModel() else {
            throw fail(CommandError("no model found (Models/met-portraits-128/model.onnx or .cache/bench-128.onnx); run `make fixtures` to create .cache/bench-128.onnx, or pass --model PATH"))
        }
        if !detail.isEmpty {
            do {
                try runDetail(model: path)
            } catch {
                throw fail(error)
            }
            return
        }
        let generator: Generator
        do {
            generator = try Generator(contentsOf: URL(fileURLWithPath: path), batchSize: batch, threads: threads,
                                      options: EngineOptions(environment: ProcessInfo.processInfo.environment))
        } catch {
            throw fail(error)
        }
        let layers = generator.layers
        let z = (0..<(batch * generator.zDim)).map { Float(sin(Double($0) * 12.9898)) }
        var out = [Float](repeating: 0, count: batch * generator.planeFloatCount)
        var layerNanos = [UInt64](repeating: 0, count: layers.count)

        // Whole frames, unprofiled.
        var totals = [Double](repeating: 0, count: iterations)
        var cpuSeconds = 0.0
        let counter = AllocationCounter()
        var allocations: Int?
        z.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                totals.withUnsafeMutableBufferPointer { tp in
                    for _ in 0..<warmup { generator.render(latents: zp, into: op) }
                    let allocationsBefore = counter?.count()
                    let cpuStart = processCPUSeconds()
                    for i in 0..<iterations {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        generator.render(latents: zp, into: op)
                        tp[i] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                    }
                    cpuSeconds = processCPUSeconds() - cpuStart
                    if let allocationsBefore, let after = counter?.count() { allocations = after - allocationsBefore }
                }
            }
        }
        // Per layer, profiled.
        var perLayer = [[Double]](repeating: [], count: layers.count)
        z.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                layerNanos.withUnsafeMutableBufferPointer { lp in
                    for _ in 0..<iterations {
                        for i in 0..<lp.count { lp[i] = 0 }
                        generator.render(latents: zp, into: op, layerNanoseconds: lp, threadCPUClock: cpuClock)
                        for i in 0..<lp.count { perLayer[i].append(Double(lp[i]) / 1e6) }
                    }
                }
            }
        }

        let frame = Double(batch)
        let medianMs = percentile(totals, 0.5) / frame
        let p90Ms = percentile(totals, 0.9) / frame
        let gflop = generator.gflopPerFrame
        print("model      \(path)")
        print("generator  \(generator.imageWidth)x\(generator.imageHeight), zDim \(generator.zDim), \(String(format: "%.3f", gflop)) GFLOP/frame, arena \(generator.arenaBytes / 1024) KiB")
        print("run        batch \(batch), \(generator.threads) thread(s) (\(generator.threadingDescription) threading, \(generator.kernelDescription)), \(iterations) iterations after \(warmup) warm-up")
        print("")
        if cpuClock { print("(layer times: main-thread CPU clock)") }
        print(pad("layer", 34) + pad("op", 15) + lpad("GFLOP", 8) + lpad("ms med", 9) + lpad("ms p90", 9) + lpad("GFLOP/s", 9) + lpad("share", 7) + (noSgemm ? "" : lpad("sgemm GF/s", 12) + lpad("of sgemm", 10)))
        let layerMedians = perLayer.map { percentile($0, 0.5) / frame }
        let layerSum = max(layerMedians.reduce(0, +), 1e-9)
        var sgemmCache: [String: Double] = [:]
        var gemmHeavy: [(name: String, ratio: Double)] = []
        for (i, layer) in layers.enumerated() {
            let med = layerMedians[i]
            let p90 = percentile(perLayer[i], 0.9) / frame
            let rate = med > 0 ? (layer.gflop / frame) / (med / 1e3) : 0
            var line = pad(String(layer.name.suffix(33)), 34) + pad(layer.opType, 15) + lpad(String(format: "%.4f", (layer.gflop / frame)), 8)
                + lpad(String(format: "%.3f", med), 9) + lpad(String(format: "%.3f", p90), 9) + lpad(String(format: "%.1f", rate), 9)
                + lpad(String(format: "%.1f%%", 100 * med / layerSum), 7)
            if !noSgemm, let g = layer.gemmShape, (layer.gflop / frame) >= 0.02 {
                let key = "\(g.m)x\(g.n)x\(g.k)"
                let reference = sgemmCache[key] ?? Benchmarks.sgemmGFLOPS(m: g.m, n: g.n, k: g.k, threads: generator.threads, threadCPUClock: cpuClock && generator.threads == 1)
                sgemmCache[key] = reference
                let ratio = rate / reference
                gemmHeavy.append((layer.name, ratio))
                line += lpad(String(format: "%.1f", reference), 12) + lpad(String(format: "%.0f%%", 100 * ratio), 10)
            }
            print(line)
        }
        print("")
        let fps = 1e3 / medianMs
        let cpuMs = cpuSeconds * 1e3 / Double(iterations) / frame
        print(String(format: "total      %.3f ms/frame median, %.3f ms p90, %.1f frames/s, %.1f GFLOP/s", medianMs, p90Ms, fps, gflop / (medianMs / 1e3)))
        print(String(format: "cpu        %.3f ms of CPU time per frame (all threads; load-independent when the machine is busy)", cpuMs))
        if !gemmHeavy.isEmpty {
            let minRatio = gemmHeavy.map(\.ratio).min() ?? 0
            print(String(format: "gemm       GEMM-heavy layers (>= 0.02 GFLOP) reach %.0f%% to %.0f%% of plain sgemm on the same shapes (sgemm with %d OpenBLAS thread(s))",
                         100 * minRatio, 100 * (gemmHeavy.map(\.ratio).max() ?? 0), generator.threads))
        }
        let rss = Benchmarks.peakResidentBytes
        if let rss { print(String(format: "memory     peak RSS %.1f MiB", Double(rss) / 1_048_576)) }
        if let allocations {
            print("heap       \(allocations) allocations in the \(iterations) timed calls (counted by the preloaded allocation counter)")
        }
        if json {
            let object: [String: Any] = [
                "model": path, "batch": batch, "threads": generator.threads, "threading": generator.threadingDescription, "kernels": generator.kernelDescription,
                "ms_median": medianMs, "ms_p90": p90Ms, "cpu_ms": cpuMs, "fps": fps, "gflop_per_frame": gflop,
                "gflops": gflop / (medianMs / 1e3), "peak_rss_bytes": rss ?? 0,
                "gemm_fraction_of_sgemm_min": gemmHeavy.map(\.ratio).min() ?? 0,
                "allocations_in_timed_calls": allocations ?? -1,
                "allocations_in_process": counter?.count() ?? -1,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

// MARK: - AllocationCounter

/// The heap allocation count of Scripts/allocation-counter.c, when it is preloaded (LD_PRELOAD).
struct AllocationCounter {
    private let function: @convention(c) () -> Int

    init?() {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "likeness_allocation_count") else { return nil }
        function = unsafeBitCast(symbol, to: (@convention(c) () -> Int).self)
        #else
        return nil
        #endif
    }

    func count() -> Int { function() }
}

// MARK: - Helpers

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((Double(sorted.count - 1) * p).rounded())))
    return sorted[index]
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }

/// User + system CPU seconds of this process (all threads).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

