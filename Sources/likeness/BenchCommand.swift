import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LikenessEngine
import LikenessMedia
import LikenessShow

// MARK: - likeness bench

/// `likeness bench`: per-layer and whole-run speed of the engine on one model, or of the whole chain.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a model or the detail chain: ms per frame (median, p90), GFLOP/s per layer, bytes moved, peak memory.",
        discussion: """
            --model takes a generator (latent in) or a detail stage (image in); default: \
            Models/met-portraits-128/model.onnx, else .cache/bench-128.onnx (a random-weight 128x128 generator \
            made by `make fixtures`). --chain times the generator, each detail stage (--stage, repeatable; \
            default: the shipped refiner and painter) and the Lanczos step to --size, one after the other \
            as `frames` runs them. Compare with ONNX Runtime using Scripts/bench_reference.py, \
            which runs both side by side.
            """)

    @Option(help: "The .onnx model to measure (a generator or a detail stage).")
    var model: String?

    @Flag(help: "Time the whole chain: generator, detail stages, Lanczos to --size.")
    var chain = false

    @Option(name: .customLong("stage"), help: "A detail stage of the chain, in order (repeat; with --chain).")
    var stages: [String] = []

    @Option(help: "The chain's output size WxH (with --chain).")
    var size: String = "1080x1080"

    @Option(help: "Frames per call (generators only; a detail stage has a fixed batch of 1).")
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

    static let shippedStages = ["Models/met-refiner-256/model.onnx", "Models/met-painter-1024/model.onnx"]

    @Option(help: ArgumentHelp("A detail stage after the generator (repeat it, in chain order): measure the frame pipeline per detail level, then run auto's level changes and crossfades, instead of the generator's layers.", valueName: "stage.onnx"))
    var detail: [String] = []

    @Option(help: ArgumentHelp("With --detail: the canvas every level is resampled to (square).", valueName: "pixels"))
    var canvas: Int = 1024

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (automatic) or more") }
        guard iterations >= 1, warmup >= 0 else { throw ValidationError("--iterations must be at least 1 and --warmup at least 0") }
        guard chain || stages.isEmpty else { throw ValidationError("--stage belongs to --chain; to time one stage, pass it as --model") }
        _ = try parseSize(size, evenSides: false)
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
        let options = EngineOptions(environment: ProcessInfo.processInfo.environment)
        if chain { return try runChain(generatorPath: path, options: options) }
        let loaded: CompiledModel
        do {
            loaded = try CompiledModel(contentsOf: URL(fileURLWithPath: path), batchSize: batch, options: options.with(threads: threads))
        } catch {
            throw fail(error)
        }
        let isStage = loaded.inputShape.count == 4
        if isStage, batch != 1 { throw fail(CommandError("\(path) is a detail stage (image in); its batch is fixed at 1, drop --batch")) }
        let input = Benchmarks.input(for: loaded)
        var output = [Float](repeating: 0, count: loaded.outputCount)

        let runs = input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in Benchmarks.time(iterations: iterations, warmup: warmup) { loaded.run(i, into: o) } }
        }
        let (totals, cpuSeconds, allocations) = (runs.milliseconds, runs.cpuSeconds, runs.allocations)
        let layers = loaded.layers
        input.withUnsafeBufferPointer { i in loaded.withUnsafeMutableInput { $0.baseAddress!.update(from: i.baseAddress!, count: i.count) } }
        let perLayer = Benchmarks.layerTimes(loaded, iterations: iterations, threadCPUClock: cpuClock)

        let frame = Double(batch)
        let medianMs = percentile(totals, 0.5) / frame
        let p90Ms = percentile(totals, 0.9) / frame
        let gflop = loaded.gflop / frame
        let shape = { (s: [Int]) in s.map(String.init).joined(separator: "x") }
        print("model      \(path)")
        print("\(isStage ? "stage    " : "generator") \(shape(loaded.inputShape)) -> \(shape(loaded.outputShape)), \(String(format: "%.3f", gflop)) GFLOP/frame, arena \(loaded.arenaBytes / 1024) KiB, \(String(format: "%.1f", Double(loaded.bytesMoved) / frame / 1_048_576)) MiB moved/frame")
        print("run        batch \(batch), \(loaded.threads) thread(s) (\(loaded.threadingDescription) threading, \(loaded.kernelDescription)), \(iterations) iterations after \(warmup) warm-up")
        print("")
        if cpuClock { print("(layer times: main-thread CPU clock)") }
        print(pad("layer", 34) + pad("op", 15) + lpad("GFLOP", 8) + lpad("MiB", 7) + lpad("ms med", 9) + lpad("ms p90", 9) + lpad("GFLOP/s", 9) + lpad("share", 7) + (noSgemm ? "" : lpad("sgemm GF/s", 12) + lpad("of sgemm", 10)))
        let layerMedians = perLayer.map { percentile($0, 0.5) / frame }
        let layerSum = max(layerMedians.reduce(0, +), 1e-9)
        var sgemmCache: [String: Double] = [:]
        var gemmHeavy: [(name: String, ratio: Double)] = []
        for (i, layer) in layers.enumerated() {
            let med = layerMedians[i]
            let p90 = percentile(perLayer[i], 0.9) / frame
            let rate = med > 0 ? (layer.gflop / frame) / (med / 1e3) : 0
            var line = pad(String(layer.name.suffix(33)), 34) + pad(layer.opType, 15) + lpad(String(format: "%.4f", (layer.gflop / frame)), 8)
                + lpad(String(format: "%.1f", Double(layer.bytesMoved) / frame / 1_048_576), 7)
                + lpad(String(format: "%.3f", med), 9) + lpad(String(format: "%.3f", p90), 9) + lpad(String(format: "%.1f", rate), 9)
                + lpad(String(format: "%.1f%%", 100 * med / layerSum), 7)
            if !noSgemm, let g = layer.gemmShape, (layer.gflop / frame) >= 0.02 {
                let key = "\(g.m)x\(g.n)x\(g.k)"
                let reference = sgemmCache[key] ?? Benchmarks.sgemmGFLOPS(m: g.m, n: g.n, k: g.k, threads: loaded.threads, threadCPUClock: cpuClock && loaded.threads == 1)
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
                         100 * minRatio, 100 * (gemmHeavy.map(\.ratio).max() ?? 0), loaded.threads))
        }
        let rss = Benchmarks.peakResidentBytes
        if let rss { print(String(format: "memory     peak RSS %.1f MiB", Double(rss) / 1_048_576)) }
        if let allocations {
            print("heap       \(allocations) allocations in the \(iterations) timed calls (counted by the preloaded allocation counter)")
        }
        if json {
            try printJSON([
                "model": path, "kind": isStage ? "stage" : "generator", "batch": batch, "threads": loaded.threads,
                "threading": loaded.threadingDescription, "kernels": loaded.kernelDescription,
                "ms_median": medianMs, "ms_p90": p90Ms, "cpu_ms": cpuMs, "fps": fps, "gflop_per_frame": gflop,
                "gflops": gflop / (medianMs / 1e3), "bytes_moved_per_frame": Double(loaded.bytesMoved) / frame, "peak_rss_bytes": rss ?? 0,
                "gemm_fraction_of_sgemm_min": gemmHeavy.map(\.ratio).min() ?? 0,
                "allocations_in_timed_calls": allocations ?? -1,
                "allocations_in_process": Benchmarks.AllocationCounter()?.count() ?? -1,
            ])
        }
    }

    /// The chain as `frames` runs it, one step after the other: generator, stages, Lanczos.
    private func runChain(generatorPath: String, options: EngineOptions) throws {
        let stagePaths = stages.isEmpty ? Bench.shippedStages.filter { FileManager.default.fileExists(atPath: $0) } : stages
        let (width, height) = try parseSize(size, evenSides: false)
        let chain: ChainBenchmark
        do {
            chain = try ChainBenchmark(generator: URL(fileURLWithPath: generatorPath), stages: stagePaths.map { URL(fileURLWithPath: $0) },
                                       width: width, height: height, threads: threads, options: options)
        } catch {
            throw fail(error)
        }
        let (runs, perStep) = chain.run(iterations: iterations, warmup: warmup)
        let (totals, cpuSeconds, allocations) = (runs.milliseconds, runs.cpuSeconds, runs.allocations)
        let names = chain.names, gflops = chain.gflops, moved = chain.bytesMoved
        print("chain      \(names.joined(separator: " -> ")) \(width)x\(height), \(chain.threads) thread(s), \(chain.kernelDescription), \(iterations) iterations after \(warmup) warm-up")
        print("")
        print(pad("step", 24) + pad("shape out", 16) + lpad("GFLOP", 8) + lpad("MiB", 7) + lpad("ms med", 9) + lpad("ms p90", 9) + lpad("GFLOP/s", 9) + lpad("share", 7))
        let medians = perStep.map { percentile($0, 0.5) }
        let sum = max(medians.reduce(0, +), 1e-9)
        var objects: [[String: Any]] = []
        for i in names.indices {
            let out = chain.outputShapes[i].map(String.init).joined(separator: "x")
            let rate = medians[i] > 0 ? gflops[i] / (medians[i] / 1e3) : 0
            print(pad(names[i], 24) + pad(out, 16) + lpad(String(format: "%.3f", gflops[i]), 8) + lpad(String(format: "%.1f", moved[i] / 1_048_576), 7)
                  + lpad(String(format: "%.3f", medians[i]), 9) + lpad(String(format: "%.3f", percentile(perStep[i], 0.9)), 9)
                  + lpad(String(format: "%.1f", rate), 9) + lpad(String(format: "%.1f%%", 100 * medians[i] / sum), 7))
            objects.append(["name": names[i], "gflop": gflops[i], "ms_median": medians[i], "bytes_moved": moved[i]])
        }
        print("")
        let medianMs = percentile(totals, 0.5)
        let gflop = gflops.reduce(0, +)
        print(String(format: "total      %.3f ms/frame median, %.3f ms p90, %.1f frames/s, %.3f GFLOP/frame, %.1f GFLOP/s", medianMs, percentile(totals, 0.9), 1e3 / medianMs, gflop, gflop / (medianMs / 1e3)))
        print(String(format: "cpu        %.3f ms of CPU time per frame (all threads)", cpuSeconds * 1e3 / Double(iterations)))
        if let allocations { print("heap       \(allocations) allocations in the \(iterations) timed frames") }
        if json {
            try printJSON(["kind": "chain", "steps": objects, "ms_median": medianMs, "ms_p90": percentile(totals, 0.9), "gflop_per_frame": gflop,
                           "threads": chain.threads, "size": [width, height], "allocations_in_timed_calls": allocations ?? -1])
        }
    }

    private func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

// MARK: - Helpers

func percentile(_ values: [Double], _ p: Double) -> Double { Benchmarks.percentile(values, p) }

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }
