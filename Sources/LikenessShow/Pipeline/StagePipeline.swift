import Foundation
import LikenessMedia

// MARK: - StagePipeline

/// The frame pipeline: latent → stages (float planes → float planes) → the frame's RGB8, quantised once.
///
/// `Configuration` is the list an exhibition sets: the generator, the detail stages of `[model] detail`,
/// then Lanczos to the output size. `StagePipeline(configuration:generator:)` builds the stages, checks
/// that each stage's input is the previous one's output, and allocates every buffer between them once,
/// so `run(latent:into:)` allocates nothing, at any level and while blending two of them.
///
/// Detail levels: level 0 is the generator alone, level k the generator and the first k detail stages,
/// each followed by its own Lanczos to its own canvas (``Configuration/levelCanvases``). A pipeline
/// without level canvases runs the whole chain, always (`frames`, `record`). With them (`show` with
/// `detail = "auto"`) ``setLevel(_:)`` picks the prefix that runs, and ``blendWeight`` crossfades the
/// level below into the current one: the level below's picture is an intermediate of this level's run
/// (the planes stage k − 1 painted), so it costs one more Lanczos of those planes onto this level's canvas
/// and a blend, never a second run of the models.
///
/// Every stage of a frame is timed on the monotonic clock (``stageSeconds``, ``timingNames``), for the
/// overlay and for ``AutoDetail``.
public final class StagePipeline {
    /// What an exhibition configures: the stages after the latent, in order.
    public struct Configuration: Sendable, Equatable {
        public enum Stage: Sendable, Equatable {
            /// The exhibition's generator: latent → `[3, H, W]`.
            case generator
            /// A detail stage (image → larger image), planned with the configuration's ``threads``.
            case detail(DetailStageFile)
            /// Lanczos-3 to `width x height` with `fit` and `background`; left out when the picture already has that size.
            case resample(width: Int, height: Int, fit: Fit, background: RGBColor)
        }

        /// A frame size.
        public struct Canvas: Sendable, Equatable, Hashable {
            public var width: Int, height: Int
            public init(width: Int, height: Int) {
                self.width = width
                self.height = height
            }
        }

        /// `[.generator]`, then any `.detail`s, then at most one `.resample`.
        public var stages: [Stage]
        /// Threads each detail stage's layers are split over (0: the engine's choice); 1 when the frames of a
        /// producer are painted side by side, one per thread.
        public var threads: Int
        /// The frame size at each detail level, when the level may change (`show` with `detail = "auto"`):
        /// `levelCanvases[k]` for the generator and the first k detail stages, one per level; the last is the
        /// resample's size. nil: the whole chain runs, always.
        public var levelCanvases: [Canvas]?

        public init(stages: [Stage], threads: Int = 0, levelCanvases: [Canvas]? = nil) {
            self.stages = stages
            self.threads = threads
            self.levelCanvases = levelCanvases
        }

        /// The generator, the detail stages (none by default, planned with `threads`), then Lanczos to the output
        /// size; with `levelCanvases`, every prefix of the detail stages can run (each level painting its own canvas).
        public static func standard(width: Int, height: Int, fit: Fit = .contain, background: RGBColor = .black,
                                    detail: [DetailStageFile] = [], threads: Int = 0, levelCanvases: [Canvas]? = nil) -> Configuration {
            Configuration(stages: [.generator] + detail.map { .detail($0) } + [.resample(width: width, height: height, fit: fit, background: background)],
                          threads: threads, levelCanvases: levelCanvases)
        }
    }

    /// One detail level: which buffers hold its picture and canvas, and the resamplers that fill them.
    private struct Level {
        /// Lanczos of this level's picture to its canvas; nil when the picture has the canvas's size.
        let resampler: LanczosStage?
        /// Index in `buffers` of the canvas (the picture's own buffer without a resampler).
        let canvas: Int
        /// Lanczos of the level below's picture onto this canvas (a crossfade's other picture); nil at level 0,
        /// in a pipeline whose level is fixed, or when that picture already has this size.
        let fadeResampler: LanczosStage?
        /// Index in `buffers` of the level below's picture on this canvas (-1: none).
        let fadeCanvas: Int
    }

    /// The stages of the whole chain, in order: the generator, the detail stages, the last level's Lanczos
    /// (left out when the picture already has the output size).
    public let stages: [any FrameStage]
    /// The generator and the detail stages: `modelStages[k]` paints level k's picture.
    private let modelStages: [any FrameStage]
    private let levels: [Level]
    /// The latent shape the first stage reads, `[zDim, 1, 1]`.
    public let inputShape: PlaneShape
    /// Whether ``setLevel(_:)`` and ``blendWeight`` may be used (the configuration has level canvases).
    public let levelsCanChange: Bool
    /// The detail level that runs: 0 = the generator alone … ``maximumLevel`` = every detail stage.
    public private(set) var level: Int
    /// The crossfade from the level below into this one: the weight of this level's picture (0 = the level
    /// below's picture exactly, 1 = this level's exactly), applied by `run`; nil = no crossfade.
    public var blendWeight: Float? {
        didSet {
            if let w = blendWeight {
                precondition(levelsCanChange && level > 0 && w >= 0 && w <= 1, "a crossfade needs changeable levels, level ≥ 1 and a weight in 0…1, got \(w) at level \(level)")
            }
        }
    }

    /// Seconds each timed step took in the last `run`: the model stages (``modelStageCount``), then the
    /// level's Lanczos, the crossfade (Lanczos of the level below and the blend), the RGB8 quantisation.
    /// A step that did not run reads 0 (see ``stageRan``).
    public private(set) var stageSeconds: [Double]
    /// Whether each timed step ran in the last `run`.
    public private(set) var stageRan: [Bool]
    /// Names of the timed steps, in the order of ``stageSeconds``.
    public let timingNames: [String]

    /// One buffer per model stage output (`buffers[k]` holds level k's picture), then the canvases and crossfade canvases.
    private var buffers: [PlanarImage]

    /// Builds the configured stages around `generator`.
    public init(configuration: Configuration, generator: any ImageGenerator) {
        var modelStages: [any FrameStage] = []
        var shape = PlaneShape(channels: generator.zDim, width: 1, height: 1)
        var resample: (width: Int, height: Int, fit: Fit, background: RGBColor)?
        for stage in configuration.stages {
            precondition(resample == nil, "the resample is the last stage of a pipeline")
            switch stage {
            case .generator:
                precondition(modelStages.isEmpty, "the generator is the first stage of a pipeline")
                let g = GeneratorStage(generator: generator)
                precondition(g.inputShape == shape, "the generator reads \(g.inputShape), the pipeline has \(shape) there")
                modelStages.append(g)
                shape = g.outputShape
            case let .detail(file):
                precondition(!modelStages.isEmpty, "a detail stage follows the generator")
                let d = DetailFrameStage(file: file, threads: configuration.threads)
                precondition(d.inputShape == shape, "the detail stage \(file.name) reads \(d.inputShape), the pipeline has \(shape) there")
                modelStages.append(d)
                shape = d.outputShape
            case let .resample(width, height, fit, background):
                resample = (width, height, fit, background)
            }
        }
        precondition(!modelStages.isEmpty, "a pipeline needs at least the generator")
        precondition(shape.channels == 3, "the last stage must paint 3 planes (RGB), it paints \(shape)")
        let pictures = modelStages.map(\.outputShape)
        let last = resample.map { Configuration.Canvas(width: $0.width, height: $0.height) }
            ?? Configuration.Canvas(width: shape.width, height: shape.height)
        let canvases: [Configuration.Canvas]
        if let given = configuration.levelCanvases {
            precondition(given.count == modelStages.count, "\(given.count) level canvases for \(modelStages.count) levels")
            precondition(given.last == last, "the last level's canvas \(String(describing: given.last)) must be the resample's \(last)")
            canvases = given
        } else {
            canvases = [Configuration.Canvas](repeating: last, count: modelStages.count)
        }
        let fit = resample?.fit ?? .contain, background = resample?.background ?? .black

        var buffers = pictures.map { PlanarImage(channels: $0.channels, width: $0.width, height: $0.height) }
        let changeable = configuration.levelCanvases != nil
        // A pipeline whose level is fixed only builds the last level; the others are never run.
        let built = changeable ? Array(pictures.indices) : [pictures.count - 1]
        var levels: [Level?] = Array(repeating: nil, count: pictures.count)
        for k in built {
            let canvas = canvases[k]
            let resampler = Self.lanczos(from: pictures[k], to: canvas, fit: fit, background: background)
            var canvasIndex = k
            if resampler != nil {
                canvasIndex = buffers.count
                buffers.append(PlanarImage(channels: 3, width: canvas.width, height: canvas.height))
            }
            var fadeResampler: LanczosStage?
            var fadeIndex = -1
            if changeable, k > 0 {
                fadeResampler = Self.lanczos(from: pictures[k - 1], to: canvas, fit: fit, background: background)
                fadeIndex = k - 1
                if fadeResampler != nil {
                    fadeIndex = buffers.count
                    buffers.append(PlanarImage(channels: 3, width: canvas.width, height: canvas.height))
                }
            }
            levels[k] = Level(resampler: resampler, canvas: canvasIndex, fadeResampler: fadeResampler, fadeCanvas: fadeIndex)
        }
        // Levels that are never built stand in with the last one's (never read: `setLevel` refuses them).
        let lastLevel = levels[pictures.count - 1] ?? Level(resampler: nil, canvas: pictures.count - 1, fadeResampler: nil, fadeCanvas: -1)
        self.levels = levels.map { $0 ?? lastLevel }
        self.modelStages = modelStages
        stages = modelStages + (lastLevel.resampler.map { [$0] } ?? [])
        inputShape = PlaneShape(channels: generator.zDim, width: 1, height: 1)
        levelsCanChange = changeable
        level = pictures.count - 1
        timingNames = modelStages.map(\.name) + ["lanczos", "crossfade", "rgb8"]
        stageSeconds = [Double](repeating: 0, count: timingNames.count)
        stageRan = [Bool](repeating: false, count: timingNames.count)
        self.buffers = buffers
    }

    private static func lanczos(from picture: PlaneShape, to canvas: Configuration.Canvas, fit: Fit, background: RGBColor) -> LanczosStage? {
        if picture.width == canvas.width && picture.height == canvas.height { return nil }
        return LanczosStage(input: picture, width: canvas.width, height: canvas.height, fit: fit, background: background)
    }

    /// The highest level: every detail stage runs.
    public var maximumLevel: Int { modelStages.count - 1 }
    /// The generator and the detail stages.
    public var modelStageCount: Int { modelStages.count }
    /// The name of model stage `k` (0: the generator).
    public func modelStageName(_ k: Int) -> String { modelStages[k].name }

    /// Runs `level` from the next `run` on (ends any crossfade).
    ///
    /// - Precondition: the level is in `0 ... maximumLevel`, and the pipeline was built with level canvases
    ///   unless it is `maximumLevel`.
    public func setLevel(_ level: Int) {
        precondition((0...maximumLevel).contains(level) && (levelsCanChange || level == maximumLevel),
                     "level \(level) of 0…\(maximumLevel) (changeable: \(levelsCanChange))")
        blendWeight = nil
        self.level = level
    }

    /// The shape of the final planes at the current level, `[3, height, width]`.
    public var outputShape: PlaneShape { buffers[levels[level].canvas].shape }
    /// Frame size it paints at the current level.
    public var outputWidth: Int { outputShape.width }
    public var outputHeight: Int { outputShape.height }
    /// Frame size at level `k`.
    public func outputShape(atLevel k: Int) -> PlaneShape { buffers[levels[k].canvas].shape }
    /// The picture model stage `k` paints (before any Lanczos).
    public func pictureShape(atLevel k: Int) -> PlaneShape { modelStages[k].outputShape }

    /// Runs the current level's stages on `latent` (`zDim` floats), leaving the final planes in `finalPlanes`.
    public func run(latent: UnsafeBufferPointer<Float>) {
        precondition(latent.count == inputShape.count, "the pipeline needs \(inputShape.count) latent floats, got \(latent.count)")
        let k = level
        let l = levels[k]
        let lanczos = modelStages.count, crossfade = lanczos + 1
        for i in stageSeconds.indices {
            stageSeconds[i] = 0
            stageRan[i] = false
        }
        var t0 = monotonicSeconds()
        buffers[0].withUnsafeMutableBufferPointer { out in modelStages[0].run(input: latent, output: out) }
        t0 = mark(0, since: t0)
        if k > 0 {
            for i in 1...k {
                run(modelStages[i], from: i - 1, into: i)
                t0 = mark(i, since: t0)
            }
        }
        if let resampler = l.resampler {
            run(resampler, from: k, into: l.canvas)
            t0 = mark(lanczos, since: t0)
        }
        if let w = blendWeight {
            if let fade = l.fadeResampler { run(fade, from: k - 1, into: l.fadeCanvas) }
            blend(lower: l.fadeCanvas, into: l.canvas, upperWeight: w)
            _ = mark(crossfade, since: t0)
        }
    }

    /// Stage `i` reads buffer `a` and writes buffer `b`: two different arrays, no exclusivity overlap.
    private func run(_ stage: any FrameStage, from a: Int, into b: Int) {
        precondition(a != b, "a stage reads and writes different buffers")
        let input = buffers[a]
        input.withUnsafeBufferPointer { src in
            buffers[b].withUnsafeMutableBufferPointer { out in stage.run(input: src, output: out) }
        }
    }

    private func blend(lower a: Int, into b: Int, upperWeight: Float) {
        precondition(a != b, "a crossfade blends two different pictures")
        let lower = buffers[a]
        lower.withUnsafeBufferPointer { src in
            buffers[b].withUnsafeMutableBufferPointer { out in DetailFade.blend(lower: src, into: out, upperWeight: upperWeight) }
        }
    }

    /// Records step `i`'s time since `start`; returns now.
    private func mark(_ i: Int, since start: Double) -> Double {
        let now = monotonicSeconds()
        stageSeconds[i] = now - start
        stageRan[i] = true
        return now
    }

    /// Seconds the last `run` took, all timed steps together.
    ///
    /// By index: a `for … in` over the array allocated an iterator per call in debug builds (the allocation test saw it).
    public var lastRunSeconds: Double {
        var total = 0.0
        for i in stageSeconds.indices { total += stageSeconds[i] }
        return total
    }

    /// The final planes of the last `run`.
    public var finalPlanes: PlanarImage {
        buffers[levels[level].canvas]
    }

    /// The planes model stage `k` painted in the last `run` (valid for `k ≤ level`).
    public func picture(atLevel k: Int) -> PlanarImage {
        buffers[k]
    }

    /// Blends `source` (planes of the current canvas) under the final planes of the last `run`: `weight` is the
    /// share of this run's picture (a catch-up dissolve, by ``DetailFade``'s blend).
    public func blendFinalPlanes(from source: PlanarImage, weight: Float) {
        let canvas = levels[level].canvas
        precondition(source.shape == buffers[canvas].shape, "a dissolve blends pictures of one size: \(source.shape) and \(buffers[canvas].shape)")
        source.withUnsafeBufferPointer { src in
            buffers[canvas].withUnsafeMutableBufferPointer { out in DetailFade.blend(lower: src, into: out, upperWeight: weight) }
        }
    }

    /// Writes the final planes of the last `run` as the frame's RGB8, the one quantisation.
    public func writeFinalPlanes(into frame: inout Frame) {
        precondition(frame.width == outputWidth && frame.height == outputHeight, "frame is \(frame.width)x\(frame.height), the pipeline paints \(outputWidth)x\(outputHeight)")
        let t0 = monotonicSeconds()
        buffers[levels[level].canvas].write(into: &frame)
        _ = mark(stageSeconds.count - 1, since: t0)
    }

    /// Runs the pipeline and writes the frame's RGB8 (`outputWidth x outputHeight`), the one quantisation.
    public func run(latent: UnsafeBufferPointer<Float>, into frame: inout Frame) {
        precondition(frame.width == outputWidth && frame.height == outputHeight, "frame is \(frame.width)x\(frame.height), the pipeline paints \(outputWidth)x\(outputHeight)")
        run(latent: latent)
        writeFinalPlanes(into: &frame)
    }
}

// MARK: - Measuring the levels

extension StagePipeline {
    /// What each level of a pipeline costs on this machine, with the threads its stages were planned for.
    public struct Measurement: Sendable, Equatable {
        /// Median seconds of each model stage (0: the generator).
        public var modelStageSeconds: [Double]
        /// Median seconds of each level's Lanczos to its canvas (0 where the picture is the canvas).
        public var lanczosSeconds: [Double]
        /// Seconds of each level's RGB8 quantisation.
        public var rgb8Seconds: [Double]
        /// Wall time the measurement took, warm-up included.
        public var measuringSeconds: Double

        public init(modelStageSeconds: [Double], lanczosSeconds: [Double], rgb8Seconds: [Double], measuringSeconds: Double = 0) {
            precondition(modelStageSeconds.count == lanczosSeconds.count && lanczosSeconds.count == rgb8Seconds.count, "one figure per level")
            self.modelStageSeconds = modelStageSeconds
            self.lanczosSeconds = lanczosSeconds
            self.rgb8Seconds = rgb8Seconds
            self.measuringSeconds = measuringSeconds
        }

        /// Seconds per frame of each level: its model stages, its Lanczos and its quantisation.
        public var levelSeconds: [Double] {
            var models = 0.0
            return modelStageSeconds.indices.map { k in
                models += modelStageSeconds[k]
                return models + lanczosSeconds[k] + rgb8Seconds[k]
            }
        }
    }

    /// Measures every level: `warmUp` untimed runs of the whole chain (the arenas are touched, the caches
    /// warm), then up to `runs` timed ones (fewer once `timeLimit` seconds have passed, at least one),
    /// then each lower level's Lanczos and each level's quantisation the same way. Takes the median of
    /// each stage. Leaves the pipeline at the level it was, without a crossfade. Allocates (one frame per
    /// level): call it before the show, not per frame. A pipeline whose level is fixed measures only its
    /// last level (the others read 0).
    public func measureLevels(latent: UnsafeBufferPointer<Float>, warmUp: Int = 1, runs: Int = 3, timeLimit: Double = 1) -> Measurement {
        precondition(runs >= 1 && warmUp >= 0, "at least one timed run")
        let started = monotonicSeconds()
        let previous = level
        let top = maximumLevel
        level = top
        blendWeight = nil
        for _ in 0..<warmUp { run(latent: latent) }
        var samples = [[Double]](repeating: [], count: modelStages.count + 1)
        for r in 0..<runs where r == 0 || monotonicSeconds() - started < timeLimit {
            run(latent: latent)
            for i in 0...top { samples[i].append(stageSeconds[i]) }
            samples[top + 1].append(stageSeconds[modelStages.count])
        }
        let models = (0...top).map { Self.median(samples[$0]) }
        var lanczos = [Double](repeating: 0, count: top + 1)
        lanczos[top] = Self.median(samples[top + 1])
        var rgb8 = [Double](repeating: 0, count: top + 1)
        for k in 0...top where levelsCanChange || k == top {
            // Each level's own Lanczos (the pictures are in place from the run above) and its quantisation.
            if k < top, let resampler = levels[k].resampler {
                lanczos[k] = timed(runs: runs, warmUp: warmUp) { run(resampler, from: k, into: levels[k].canvas) }
            }
            var frame = Frame(width: outputShape(atLevel: k).width, height: outputShape(atLevel: k).height)
            let canvas = levels[k].canvas
            rgb8[k] = timed(runs: runs, warmUp: warmUp) { buffers[canvas].write(into: &frame) }
        }
        level = previous
        return Measurement(modelStageSeconds: models, lanczosSeconds: lanczos, rgb8Seconds: rgb8,
                           measuringSeconds: monotonicSeconds() - started)
    }

    private func timed(runs: Int, warmUp: Int, _ body: () -> Void) -> Double {
        for _ in 0..<warmUp { body() }
        var samples: [Double] = []
        for _ in 0..<runs {
            let t0 = monotonicSeconds()
            body()
            samples.append(monotonicSeconds() - t0)
        }
        return Self.median(samples)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
