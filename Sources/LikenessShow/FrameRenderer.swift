import LikenessMedia

// MARK: - FrameRenderer

/// Paints the frame of one screen at a show time: path → latent → `StagePipeline` → RGB8.
///
/// Owns every buffer it needs, so rendering a frame allocates nothing once warmed up. Not thread-safe.
public final class FrameRenderer {
    /// The path it samples.
    public let path: any LatentSource
    /// The stages it runs.
    public let pipeline: StagePipeline
    /// Size of the frames it returns.
    public var outputWidth: Int { pipeline.outputWidth }
    public var outputHeight: Int { pipeline.outputHeight }

    /// `[model] detail = "auto"`: picks and changes the level after each frame (nil: the pipeline's level stays).
    public private(set) var levelController: DetailLevelController?
    /// Where each frame's stage times and level are published (the overlay); nil: nowhere.
    public var monitor: DetailMonitor?

    private var latent: [Float]

    /// Builds `configuration` around `generator`.
    public init(generator: any ImageGenerator, path: any LatentSource, configuration: StagePipeline.Configuration) {
        self.path = path
        pipeline = StagePipeline(configuration: configuration, generator: generator)
        latent = [Float](repeating: 0, count: generator.zDim)
    }

    /// The standard pipeline: generator, then Lanczos-3 to `outputWidth x outputHeight` (none when that is the model's size).
    public convenience init(generator: any ImageGenerator, path: any LatentSource, outputWidth: Int, outputHeight: Int,
                            fit: Fit = .contain, background: RGBColor = .black) {
        self.init(generator: generator, path: path,
                  configuration: .standard(width: outputWidth, height: outputHeight, fit: fit, background: background))
    }

    /// A blank frame of the output size, to pass to `render(at:into:)`.
    public func makeFrame() -> Frame {
        Frame(width: outputWidth, height: outputHeight)
    }

    /// Paints show time `t` into `frame` (which must be `outputWidth x outputHeight`).
    ///
    /// `latentScale` multiplies the latent (a live truncation change: the path's latent is ψ·ρ·q̂, so scaling
    /// it by ψ′/ψ is the path at truncation ψ′); 1 leaves it untouched, bit for bit.
    public func render(at t: Double, latentScale: Float = 1, into frame: inout Frame) {
        latent.withUnsafeMutableBufferPointer { z in
            path.latent(at: t, into: z)
            if latentScale != 1 {
                for i in z.indices { z[i] *= latentScale }
            }
        }
        latent.withUnsafeBufferPointer { z in
            pipeline.run(latent: z, into: &frame)
        }
        monitor?.record(pipeline, fadingTo: levelController?.fade?.target)
        levelController?.frameFinished(pipeline, frameSeconds: pipeline.lastRunSeconds, now: monotonicSeconds())
    }

    /// Whether the detail level and any crossfade stay as they are for now (while the producer dissolves
    /// from a frame it kept, every frame must keep that frame's size).
    public var holdsDetailLevel: Bool {
        get { levelController?.isHeld ?? false }
        set { levelController?.isHeld = newValue }
    }

    /// Starts `detail = "auto"`: measures every level of the pipeline (which must have level canvases) on
    /// this thread, with the threads its stages were planned for, and runs the longest prefix that fits
    /// `settings`; from then on each frame may change the level, by a crossfade of about `fadeSeconds`.
    /// Publishes to ``monitor``. Returns the measurement.
    @discardableResult
    public func startAutomaticDetail(settings: AutoDetail.Settings, fadeSeconds: Double = 1) -> StagePipeline.Measurement {
        precondition(pipeline.levelsCanChange, "auto detail needs a pipeline built with level canvases")
        monitor?.configure(pipeline: pipeline, automatic: true, measuredLevelSeconds: [], budgetSeconds: settings.budgetSeconds, measuring: true)
        latent.withUnsafeMutableBufferPointer { path.latent(at: 0, into: $0) }
        let measurement = latent.withUnsafeBufferPointer { pipeline.measureLevels(latent: $0) }
        startAutomaticDetail(measurement: measurement, settings: settings, fadeSeconds: fadeSeconds)
        return measurement
    }

    /// Starts `detail = "auto"` with levels measured elsewhere (tests, `likeness bench`), at `level` or the
    /// longest that fits.
    public func startAutomaticDetail(measurement: StagePipeline.Measurement, settings: AutoDetail.Settings, fadeSeconds: Double = 1,
                                     level: Int? = nil) {
        precondition(pipeline.levelsCanChange, "auto detail needs a pipeline built with level canvases")
        let controller = DetailLevelController(measurement: measurement, settings: settings, fadeSeconds: fadeSeconds, level: level)
        controller.start(pipeline)
        levelController = controller
        monitor?.configure(pipeline: pipeline, automatic: true, measuredLevelSeconds: measurement.levelSeconds,
                           budgetSeconds: settings.budgetSeconds)
    }

    /// Paints show time `t` into a new frame.
    public func render(at t: Double) -> Frame {
        var frame = makeFrame()
        render(at: t, into: &frame)
        return frame
    }
}
