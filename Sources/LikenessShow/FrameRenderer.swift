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
    }

    /// Paints show time `t` into a new frame.
    public func render(at t: Double) -> Frame {
        var frame = makeFrame()
        render(at: t, into: &frame)
        return frame
    }
}
