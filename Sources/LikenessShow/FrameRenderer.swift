import LikenessMedia

// MARK: - FrameRenderer

/// Paints the frame of one screen at a show time: path → latent → generator → (Lanczos-3) → output size.
///
/// Owns every buffer it needs, so rendering a frame allocates nothing once warmed up. Not thread-safe.
public final class FrameRenderer {
    /// The generator this renderer drives.
    public let generator: any ImageGenerator
    /// The path it samples.
    public let path: any LatentSource
    /// Size of the frames it returns.
    public let outputWidth: Int, outputHeight: Int

    private var latent: [Float]
    private var modelFrame: Frame
    private let resampler: LanczosResampler?

    /// - Parameters:
    ///   - outputWidth, outputHeight: final size; equal to the model's size means no resampling.
    ///   - fit, background: how the model's picture meets another aspect ratio.
    public init(generator: any ImageGenerator, path: any LatentSource, outputWidth: Int, outputHeight: Int,
                fit: Fit = .contain, background: RGBColor = .black) {
        self.generator = generator
        self.path = path
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        latent = [Float](repeating: 0, count: generator.zDim)
        modelFrame = Frame(width: generator.imageWidth, height: generator.imageHeight)
        if outputWidth == generator.imageWidth && outputHeight == generator.imageHeight {
            resampler = nil
        } else {
            resampler = LanczosResampler(sourceWidth: generator.imageWidth, sourceHeight: generator.imageHeight,
                                         targetWidth: outputWidth, targetHeight: outputHeight, fit: fit, background: background)
        }
    }

    /// A blank frame of the output size, to pass to `render(at:into:)`.
    public func makeFrame() -> Frame {
        Frame(width: outputWidth, height: outputHeight)
    }

    /// Paints show time `t` into `frame` (which must be `outputWidth x outputHeight`).
    public func render(at t: Double, into frame: inout Frame) {
        precondition(frame.width == outputWidth && frame.height == outputHeight, "frame has the wrong size")
        latent.withUnsafeMutableBufferPointer { z in
            path.latent(at: t, into: z)
        }
        if let resampler {
            latent.withUnsafeBufferPointer { z in
                modelFrame.pixels.withUnsafeMutableBufferPointer { out in
                    generator.renderRGB(latents: z, into: out)
                }
            }
            resampler.resample(modelFrame, into: &frame)
        } else {
            latent.withUnsafeBufferPointer { z in
                frame.pixels.withUnsafeMutableBufferPointer { out in
                    generator.renderRGB(latents: z, into: out)
                }
            }
        }
    }

    /// Paints show time `t` into a new frame.
    public func render(at t: Double) -> Frame {
        var frame = makeFrame()
        render(at: t, into: &frame)
        return frame
    }
}
