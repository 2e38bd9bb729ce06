import Foundation
import LikenessEngine
import LikenessMedia
import LikenessShow

// MARK: - likeness bench --detail

extension Bench {
    /// The frame pipeline with detail stages: what each level costs (auto's start measurement, with these
    /// threads), then `iterations` frames of auto stepping down and up through every level by crossfades,
    /// with the heap allocations of those frames counted (the promise: none).
    ///
    /// Every level is resampled to one `--canvas`, so frames keep their size and a level change reuses them;
    /// the show gives each level its own canvas, which costs a new frame or two at a change, never per frame.
    func runDetail(model path: String) throws {
        let generator = try Generator(contentsOf: URL(fileURLWithPath: path), batchSize: 1, threads: threads,
                                      options: EngineOptions(environment: ProcessInfo.processInfo.environment))
        let stages = try detail.map { try DetailStageFile.load(url: URL(fileURLWithPath: $0)) }
        let square = StagePipeline.Configuration.Canvas(width: canvas, height: canvas)
        let configuration = StagePipeline.Configuration.standard(width: canvas, height: canvas, detail: stages, threads: threads,
                                                                 levelCanvases: Array(repeating: square, count: stages.count + 1))
        let renderer = FrameRenderer(generator: generator, path: BenchPath(zDim: generator.zDim), configuration: configuration)
        let pipeline = renderer.pipeline
        let z = (0..<generator.zDim).map { Float(sin(Double($0) * 12.9898)) }
        let measured = z.withUnsafeBufferPointer { pipeline.measureLevels(latent: $0, warmUp: max(warmup, 1), runs: max(iterations / 4, 3), timeLimit: 30) }

        print("model      \(path), \(generator.threads) thread(s), canvas \(canvas)x\(canvas)")
        for k in 0...pipeline.maximumLevel {
            let picture = pipeline.pictureShape(atLevel: k)
            print(String(format: "stage %d    %@ %@: %.3f ms", k, pad(pipeline.modelStageName(k), 22), lpad("\(picture.width)x\(picture.height)", 9),
                         measured.modelStageSeconds[k] * 1000))
        }
        for (k, seconds) in measured.levelSeconds.enumerated() {
            print(String(format: "level %d    %.3f ms per frame (lanczos %.3f, rgb8 %.3f), %.1f frames/s", k, seconds * 1000,
                         measured.lanczosSeconds[k] * 1000, measured.rgb8Seconds[k] * 1000, 1 / max(seconds, 1e-9)))
        }

        // Auto, made to move: every level reported as equally cheap, windows of a few frames. First a budget
        // nothing meets, from the top level (it steps down to 0, crossfading), then one everything meets,
        // from level 0 (it climbs back to the top). Only the frames are counted, not the two starts.
        let top = measured.levelSeconds[measured.levelSeconds.count - 1]
        let cheap = StagePipeline.Measurement(modelStageSeconds: measured.modelStageSeconds.map { _ in 1e-6 },
                                              lanczosSeconds: measured.lanczosSeconds.map { _ in 0 }, rgb8Seconds: measured.rgb8Seconds.map { _ in 0 })
        let monitor = DetailMonitor()
        renderer.monitor = monitor
        let counter = Benchmarks.AllocationCounter()
        var frame = renderer.makeFrame()
        var allocations: Int? = counter == nil ? nil : 0
        var crossfades = 0, changes = 0, seconds = 0.0
        for (budget, start) in [(1e-9, pipeline.maximumLevel), (1e6, 0)] {
            var planner = FramePlanner(fps: 30)
            planner.detail = DetailLevelController(measurement: cheap, settings: AutoDetail.Settings(
                budgetSeconds: budget, behindSeconds: top * 3, stepUpSeconds: top * 3, maximumStepUpSeconds: top * 3),
                fadeSeconds: top * 6, fps: 30, level: start)
            monitor.configure(pipeline: pipeline, automatic: true, measuredLevelSeconds: cheap.levelSeconds, budgetSeconds: budget, level: start)
            func paint() -> Bool {
                let order = planner.next(wall: nil, nextKeyframe: { _ in nil })
                let t0 = monotonicSeconds()
                renderer.render(order, into: &frame)
                let now = monotonicSeconds()
                planner.finished(frameSeconds: now - t0, now: now)
                return order.detail?.blendWeight != nil
            }
            for _ in 0..<warmup { _ = paint() }
            let before = counter?.count()
            let t0 = monotonicSeconds()
            for _ in 0..<(iterations + 1) / 2 where paint() { crossfades += 1 }
            seconds += monotonicSeconds() - t0
            if let before, let after = counter?.count() { allocations? += after - before }
            changes += monitor.snapshot()?.levelChanges ?? 0
        }
        print(String(format: "auto       %d frames in %.2f s: %d level changes, %d crossfade frames", (iterations + 1) / 2 * 2, seconds, changes, crossfades))
        if let allocations { print("heap       \(allocations) allocations in the \(iterations) timed frames (counted by the preloaded allocation counter)") }
        if json {
            let object: [String: Any] = [
                "model": path, "threads": generator.threads, "canvas": canvas,
                "stage_names": (0...pipeline.maximumLevel).map { pipeline.modelStageName($0) },
                "stage_ms": measured.modelStageSeconds.map { $0 * 1000 },
                "level_ms": measured.levelSeconds.map { $0 * 1000 },
                "level_changes": changes, "crossfade_frames": crossfades,
                "allocations_in_timed_calls": allocations ?? -1,
                "allocations_in_process": counter?.count() ?? -1,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// A latent path for benchmarks: a slow, fixed function of time, allocation-free.
private struct BenchPath: LatentSource {
    let zDim: Int
    func latent(at t: Double, into out: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<zDim { out[i] = Float(sin(t * 0.3 + Double(i) * 12.9898)) }
    }
    func nextKeyframeTime(after t: Double) -> Double? { t.rounded(.down) + 1 }
}
