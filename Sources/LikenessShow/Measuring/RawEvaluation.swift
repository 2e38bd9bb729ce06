import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - RawEvaluation

/// A model run on raw float32 values, as `likeness eval` does for end-to-end checks against ONNX
/// Runtime: a generator on N latents (one batch of N), or a detail stage on N images one by one.
public struct RawEvaluation: Sendable {
    /// The output, N pictures of [3, height, width] (NCHW) one after the other, in [-1, 1].
    public let values: [Float]
    public let count: Int
    public let width: Int
    public let height: Int

    /// Runs the model at `url` on `input` (N·zDim latents, or N·3·H·W image values for a detail stage).
    public init(modelAt url: URL, input: [Float], threads: Int, options: EngineOptions) throws {
        guard !input.isEmpty else {
            throw ShowError.invalidRequest(message: "the input holds no values", hint: "write N*zDim float32 values (numpy: array.astype('float32').tofile(path))")
        }
        // Load once at batch 1 to learn zDim (or that it is a detail stage), then at the batch the input implies.
        let probe = try CompiledModel(contentsOf: url, batchSize: 1, options: options.with(threads: threads))
        if probe.inputShape.count == 4 {
            guard input.count % probe.inputCount == 0 else {
                throw ShowError.invalidRequest(
                    message: "\(input.count) values are not a multiple of one image (\(probe.inputShape.map(String.init).joined(separator: "x")) = \(probe.inputCount))",
                    hint: "write N images as float32 NCHW")
            }
            count = input.count / probe.inputCount
            var values: [Float] = []
            values.reserveCapacity(count * probe.outputCount)
            for n in 0..<count {
                values += probe.evaluate(Array(input[(n * probe.inputCount)..<((n + 1) * probe.inputCount)]))
            }
            self.values = values
            height = probe.outputShape[2]
            width = probe.outputShape[3]
            return
        }
        let zDim = probe.inputCount
        guard input.count % zDim == 0 else {
            throw ShowError.invalidRequest(message: "\(input.count) latent values are not a multiple of zDim \(zDim)",
                                           hint: "write N*\(zDim) float32 values")
        }
        count = input.count / zDim
        let generator = try Generator(contentsOf: url, batchSize: count, threads: threads, options: options)
        values = generator.forward(latents: input)
        width = generator.imageWidth
        height = generator.imageHeight
    }

    /// The pictures as interleaved RGB8, N·height·width·3 bytes (the show's one quantisation).
    public func rgb8() -> [UInt8] {
        let pixels = width * height
        var bytes = [UInt8](repeating: 0, count: count * pixels * 3)
        values.withUnsafeBufferPointer { source in
            bytes.withUnsafeMutableBufferPointer { target in
                for n in 0..<count {
                    RGB8Conversion.convert(unsafePlanes: source.baseAddress! + n * 3 * pixels, pixelCount: pixels,
                                           into: target.baseAddress! + n * 3 * pixels)
                }
            }
        }
        return bytes
    }
}
