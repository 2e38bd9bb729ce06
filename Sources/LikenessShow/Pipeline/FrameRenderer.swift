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
        fillLatent(at: t, latentScale: latentScale)
        latent.withUnsafeBufferPointer { z in
            pipeline.run(latent: z, into: &frame)
        }
        monitor?.record(pipeline, fadingTo: nil)
    }

    /// The frame size `order` paints at (its level's canvas).
    public func outputShape(for order: FrameOrder) -> PlaneShape {
        order.detail.map { pipeline.outputShape(atLevel: $0.level) } ?? pipeline.outputShape
    }

    /// Paints `order` into `frame` (which must have ``outputShape(for:)``): its level and crossfade, its show time
    /// and truncation, and a dissolve's earlier picture blended in on the float planes, before the one
    /// quantisation to RGB8. The earlier picture is painted once per dissolve on each thread and kept.
    public func render(_ order: FrameOrder, into frame: inout Frame) {
        if let detail = order.detail {
            if pipeline.level != detail.level { pipeline.setLevel(detail.level) }
            pipeline.blendWeight = detail.blendWeight
        }
        if let d = order.dissolve {
            let key = DissolveKey(time: d.fromTime, scale: d.fromLatentScale, level: pipeline.level)
            if dissolveSource?.key != key {
                let weight = pipeline.blendWeight
                pipeline.blendWeight = nil
                runPipeline(at: d.fromTime, latentScale: d.fromLatentScale)
                dissolveSource = (key, pipeline.finalPlanes)
                pipeline.blendWeight = weight
            }
            runPipeline(at: order.showTime, latentScale: order.latentScale)
            if let source = dissolveSource?.planes { pipeline.blendFinalPlanes(from: source, weight: d.weight) }
            pipeline.writeFinalPlanes(into: &frame)
        } else {
            dissolveSource = nil
            fillLatent(at: order.showTime, latentScale: order.latentScale)
            latent.withUnsafeBufferPointer { z in pipeline.run(latent: z, into: &frame) }
        }
        monitor?.record(pipeline, fadingTo: order.detail?.fadingTo)
    }

    /// What identifies a dissolve's earlier picture.
    private struct DissolveKey: Equatable {
        var time: Double, scale: Float, level: Int
    }

    /// The earlier picture of the dissolve under way (its planes, copied once).
    private var dissolveSource: (key: DissolveKey, planes: PlanarImage)?

    private func fillLatent(at t: Double, latentScale: Float) {
        latent.withUnsafeMutableBufferPointer { z in
            path.latent(at: t, into: z)
            if latentScale != 1 {
                for i in z.indices { z[i] *= latentScale }
            }
        }
    }

    private func runPipeline(at t: Double, latentScale: Float) {
        fillLatent(at: t, latentScale: latentScale)
        latent.withUnsafeBufferPointer { z in pipeline.run(latent: z) }
    }

    /// Measures every level of the pipeline (which must have level canvases) on this thread, with the threads
    /// its stages were planned for, at the path's start (see ``StagePipeline/measureLevels(latent:warmUp:runs:timeLimit:)``).
    public func measureLevels() -> StagePipeline.Measurement {
        precondition(pipeline.levelsCanChange, "measuring levels needs a pipeline built with level canvases")
        fillLatent(at: 0, latentScale: 1)
        return latent.withUnsafeBufferPointer { pipeline.measureLevels(latent: $0) }
    }

    /// Paints show time `t` into a new frame.
    public func render(at t: Double) -> Frame {
        var frame = makeFrame()
        render(at: t, into: &frame)
        return frame
    }
}
