import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - FrameStage

/// One step of the frame pipeline: float planes in, float planes out, shapes fixed when it is built.
///
/// The stages are the generator (latent `[zDim, 1, 1]` → image `[3, H, W]`), the detail stages (image →
/// larger image, one ONNX model each) and the Lanczos resample to a canvas. `StagePipeline` builds them from
/// the closed list `StagePipeline.Configuration.Stage`: a new kind of stage is a conformance here plus a case
/// there and its branch in `StagePipeline.init`.
/// `run(input:output:)` must not allocate and never fails (shapes are checked when the pipeline is built);
/// a stage is used by one thread only.
public protocol FrameStage: AnyObject {
    /// A short name for logs and errors.
    var name: String { get }
    /// The shape `run` reads.
    var inputShape: PlaneShape { get }
    /// The shape `run` writes.
    var outputShape: PlaneShape { get }
    /// Computes `output` from `input`, both of the stage's shapes.
    func run(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>)
}

// MARK: - GeneratorStage

/// The generator as a stage: the latent as `[zDim, 1, 1]` planes in, its picture `[3, H, W]` out.
public final class GeneratorStage: FrameStage {
    public let generator: any ImageGenerator
    public var name: String { "generator" }
    public let inputShape: PlaneShape
    public let outputShape: PlaneShape

    public init(generator: any ImageGenerator) {
        self.generator = generator
        inputShape = PlaneShape(channels: generator.zDim, width: 1, height: 1)
        outputShape = PlaneShape(channels: 3, width: generator.imageWidth, height: generator.imageHeight)
    }

    public func run(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) {
        generator.render(latents: input, into: output)
    }
}

// MARK: - LanczosStage

/// Lanczos-3 resampling of float planes to the output size, with the exhibition's fit and background.
public final class LanczosStage: FrameStage {
    public let resampler: LanczosResampler
    public var name: String { "lanczos" }
    public var inputShape: PlaneShape { resampler.sourceShape }
    public var outputShape: PlaneShape { resampler.targetShape }

    public init(input: PlaneShape, width: Int, height: Int, fit: Fit, background: RGBColor) {
        precondition(input.channels == 3, "Lanczos resamples RGB planes, got \(input)")
        resampler = LanczosResampler(sourceWidth: input.width, sourceHeight: input.height,
                                     targetWidth: width, targetHeight: height, fit: fit, background: background)
    }

    public func run(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) {
        resampler.resample(unsafeSource: input, into: output)
    }
}

// MARK: - DetailFrameStage

/// A detail stage running in a pipeline: the picture `[3, H, W]` in, a larger one `[3, sH, sW]` out, its
/// ``DetailStageFile`` planned once by the engine for the producing thread.
public final class DetailFrameStage: FrameStage {
    public let stage: DetailStage
    public let name: String
    public let inputShape: PlaneShape
    public let outputShape: PlaneShape

    /// Plans `file` (checked when it was loaded) with `threads` (0: the engine's choice).
    public init(file: DetailStageFile, threads: Int) {
        do {
            stage = try DetailStage(data: file.data, options: EngineOptions(threads: max(threads, 0)))
        } catch {
            preconditionFailure("the detail stage \(file.name) was checked at load and now fails to plan: \(error)")
        }
        name = file.name
        inputShape = PlaneShape(channels: 3, width: stage.inputWidth, height: stage.inputHeight)
        outputShape = PlaneShape(channels: 3, width: stage.outputWidth, height: stage.outputHeight)
    }

    public func run(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) {
        stage.run(input, into: output)
    }
}
