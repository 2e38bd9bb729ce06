import Foundation
import LikenessMedia

// MARK: - StagePipeline

/// The frame pipeline: latent → stages (float planes → float planes) → the frame's RGB8, quantised once.
///
/// `Configuration` is the list an exhibition sets (today always `[generator, resample]`; model stages
/// after the generator come with `[model] detail = [...]`). `StagePipeline(configuration:generator:)`
/// builds the stages, checks that each stage's input is the previous one's output, and allocates every
/// buffer between them once, so `run(latent:into:)` allocates nothing.
public final class StagePipeline {
    /// What an exhibition configures: the stages after the latent, in order.
    public struct Configuration: Sendable, Equatable {
        public enum Stage: Sendable, Equatable {
            /// The exhibition's generator: latent → `[3, H, W]`.
            case generator
            /// A detail stage (image → larger image, an ONNX model's bytes), planned with `threads`.
            case detail(name: String, model: Data, threads: Int)
            /// Lanczos-3 to `width x height` with `fit` and `background`; left out when the picture already has that size.
            case resample(width: Int, height: Int, fit: Fit, background: RGBColor)
        }

        public var stages: [Stage]

        public init(stages: [Stage]) {
            self.stages = stages
        }

        /// The generator, the detail stages (none by default), then Lanczos to the output size.
        public static func standard(width: Int, height: Int, fit: Fit = .contain, background: RGBColor = .black,
                                    detail: [Stage] = []) -> Configuration {
            Configuration(stages: [.generator] + detail + [.resample(width: width, height: height, fit: fit, background: background)])
        }
    }

    /// The stages that run, in order (an identity resample is left out).
    public let stages: [any FrameStage]
    /// The latent shape the first stage reads, `[zDim, 1, 1]`.
    public let inputShape: PlaneShape
    /// The shape of the final planes, `[3, height, width]`.
    public let outputShape: PlaneShape

    /// One buffer after each stage: `buffers[i]` holds stage `i`'s output.
    private var buffers: [PlanarImage]

    /// Builds the configured stages around `generator`.
    public init(configuration: Configuration, generator: any ImageGenerator) {
        var stages: [any FrameStage] = []
        var shape = PlaneShape(channels: generator.zDim, width: 1, height: 1)
        for stage in configuration.stages {
            switch stage {
            case .generator:
                let g = GeneratorStage(generator: generator)
                precondition(g.inputShape == shape, "the generator reads \(g.inputShape), the pipeline has \(shape) there")
                stages.append(g)
                shape = g.outputShape
            case let .detail(name, model, threads):
                let d = DetailFrameStage(name: name, model: model, threads: threads)
                precondition(d.inputShape == shape, "the detail stage \(name) reads \(d.inputShape), the pipeline has \(shape) there")
                stages.append(d)
                shape = d.outputShape
            case let .resample(width, height, fit, background):
                if shape.width == width && shape.height == height { continue }
                let l = LanczosStage(input: shape, width: width, height: height, fit: fit, background: background)
                stages.append(l)
                shape = l.outputShape
            }
        }
        precondition(!stages.isEmpty, "a pipeline needs at least the generator")
        precondition(shape.channels == 3, "the last stage must paint 3 planes (RGB), it paints \(shape)")
        self.stages = stages
        inputShape = PlaneShape(channels: generator.zDim, width: 1, height: 1)
        outputShape = shape
        buffers = stages.map { PlanarImage(channels: $0.outputShape.channels, width: $0.outputShape.width, height: $0.outputShape.height) }
    }

    /// Frame size it paints.
    public var outputWidth: Int { outputShape.width }
    public var outputHeight: Int { outputShape.height }

    /// Runs every stage on `latent` (`zDim` floats), leaving the final planes in `finalPlanes`.
    public func run(latent: UnsafeBufferPointer<Float>) {
        precondition(latent.count == inputShape.count, "the pipeline needs \(inputShape.count) latent floats, got \(latent.count)")
        for i in stages.indices {
            if i == 0 {
                buffers[0].withUnsafeMutableBufferPointer { out in stages[0].run(input: latent, output: out) }
            } else {
                // Stage i reads buffer i-1 and writes buffer i; two different arrays, no exclusivity overlap.
                let input = buffers[i - 1]
                input.withUnsafeBufferPointer { src in
                    buffers[i].withUnsafeMutableBufferPointer { out in stages[i].run(input: src, output: out) }
                }
            }
        }
    }

    /// The final planes of the last `run`.
    public var finalPlanes: PlanarImage {
        buffers[buffers.count - 1]
    }

    /// Runs the pipeline and writes the frame's RGB8 (`outputWidth x outputHeight`), the one quantisation.
    public func run(latent: UnsafeBufferPointer<Float>, into frame: inout Frame) {
        precondition(frame.width == outputWidth && frame.height == outputHeight, "frame is \(frame.width)x\(frame.height), the pipeline paints \(outputWidth)x\(outputHeight)")
        run(latent: latent)
        buffers[buffers.count - 1].write(into: &frame)
    }
}
