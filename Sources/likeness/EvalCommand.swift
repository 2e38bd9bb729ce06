import ArgumentParser
import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - likeness eval

/// `likeness eval`: run a model on raw latents and write the raw output (for end-to-end tests).
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run a model on raw float32 latents (or images, for a detail stage); write the raw float32 NCHW output and/or RGB8 frames.",
        discussion: """
            --input holds N*zDim little-endian float32 values (N frames), or for a detail stage N*3*H*W \
            values (N images, NCHW, in [-1, 1]). --output receives N*3*H*W \
            float32 values (NCHW, in [-1, 1]); --rgb receives N*H*W*3 bytes (RGB8, interleaved).
            """)

    @Option(help: "The .onnx model.")
    var model: String

    @Option(help: "Raw little-endian float32 latents, N*zDim values.")
    var input: String

    @Option(help: "Where to write the raw float32 NCHW output.")
    var output: String?

    @Option(help: "Where to write the RGB8 frames.")
    var rgb: String?

    @Option(help: "Threads (0 = automatic).")
    var threads: Int = 0

    func validate() throws {
        guard output != nil || rgb != nil else { throw ValidationError("give --output and/or --rgb") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (automatic) or more") }
    }

    func run() throws {
        do {
            try evaluate()
        } catch {
            throw fail(error)
        }
    }

    private func evaluate() throws {
        let url = URL(fileURLWithPath: model)
        let latentData: Data
        do {
            latentData = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw CommandError("cannot read latents '\(input)': \(error.localizedDescription); check the path")
        }
        guard latentData.count % 4 == 0, !latentData.isEmpty else {
            throw CommandError("'\(input)' holds \(latentData.count) bytes, not a whole number of float32 values; write it with numpy's tofile on a float32 array")
        }
        let latents: [Float] = latentData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        do {
            // Load once at batch 1 to learn zDim (or that it is a detail stage), then at the batch the file implies.
            let options = EngineOptions(environment: ProcessInfo.processInfo.environment)
            let compiled = try CompiledModel(contentsOf: url, batchSize: 1, options: options.with(threads: threads))
            if compiled.inputShape.count == 4 { return try evaluateStage(compiled, latents) }
            let probe = try Generator(contentsOf: url, batchSize: 1, threads: 1)
            guard latents.count % probe.zDim == 0 else {
                throw CommandError("\(latents.count) latent values are not a multiple of zDim \(probe.zDim); write N*\(probe.zDim) float32 values")
            }
            let batch = latents.count / probe.zDim
            let generator = try Generator(contentsOf: url, batchSize: batch, threads: threads, options: options)
            if let output {
                let values = generator.forward(latents: latents)
                try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: output)) }
            }
            if let rgb {
                let planes = generator.forward(latents: latents)
                let pixels = generator.imageWidth * generator.imageHeight
                var bytes = [UInt8](repeating: 0, count: batch * pixels * 3)
                planes.withUnsafeBufferPointer { src in bytes.withUnsafeMutableBufferPointer { dst in
                    for n in 0..<batch {
                        RGB8Conversion.convert(unsafePlanes: src.baseAddress! + n * 3 * pixels, pixelCount: pixels, into: dst.baseAddress! + n * 3 * pixels)
                    }
                } }
                try Data(bytes).write(to: URL(fileURLWithPath: rgb))
            }
        } catch let error as EngineError {
            throw error
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("cannot write the output: \(error.localizedDescription); check the directory exists and is writable")
        }
    }

    /// A detail stage: every image of the input file through the stage, outputs one after the other.
    private func evaluateStage(_ stage: CompiledModel, _ images: [Float]) throws {
        guard images.count % stage.inputCount == 0 else {
            throw CommandError("\(images.count) values are not a multiple of one image (\(stage.inputShape.map(String.init).joined(separator: "x")) = \(stage.inputCount)); write N images as float32 NCHW")
        }
        var values: [Float] = []
        values.reserveCapacity(images.count / stage.inputCount * stage.outputCount)
        for n in 0..<(images.count / stage.inputCount) {
            values += stage.evaluate(Array(images[(n * stage.inputCount)..<((n + 1) * stage.inputCount)]))
        }
        if let output {
            try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: output)) }
        }
        if let rgb {
            let pixels = stage.outputShape[2] * stage.outputShape[3], count = values.count / (3 * pixels)
            var bytes = [UInt8](repeating: 0, count: count * pixels * 3)
            values.withUnsafeBufferPointer { src in bytes.withUnsafeMutableBufferPointer { dst in
                for n in 0..<count {
                    RGB8Conversion.convert(unsafePlanes: src.baseAddress! + n * 3 * pixels, pixelCount: pixels, into: dst.baseAddress! + n * 3 * pixels)
                }
            } }
            try Data(bytes).write(to: URL(fileURLWithPath: rgb))
        }
    }
}
