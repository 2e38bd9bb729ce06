import Foundation

// MARK: - Benchmarks

/// Measurements used by `likeness bench`: plain OpenBLAS sgemm speed and process memory.
public enum Benchmarks {
    /// GFLOP/s of `cblas_sgemm` alone on an (M, N, K) problem with `threads` OpenBLAS threads.
    ///
    /// Runs for about `seconds` and reports the median of the timed calls. Restores the
    /// OpenBLAS thread count afterwards.
    public static func sgemmGFLOPS(m: Int, n: Int, k: Int, threads: Int, seconds: Double = 0.3) -> Double {
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
            let t0 = DispatchTime.now().uptimeNanoseconds
            BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
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
