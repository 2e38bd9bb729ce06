import ArgumentParser
import Foundation
import LikenessEngine
import LikenessShow

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
        let latentData: Data
        do {
            latentData = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw CommandError("cannot read latents '\(input)': \(error.localizedDescription); check the path")
        }
        guard latentData.count % 4 == 0, !latentData.isEmpty else {
            throw CommandError("'\(input)' holds \(latentData.count) bytes, not a whole number of float32 values; write it with numpy's tofile on a float32 array")
        }
        let values: [Float] = latentData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let result = try RawEvaluation(modelAt: URL(fileURLWithPath: model), input: values, threads: threads,
                                       options: EngineOptions(environment: ProcessInfo.processInfo.environment))
        do {
            if let output {
                try result.values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: output)) }
            }
            if let rgb { try Data(result.rgb8()).write(to: URL(fileURLWithPath: rgb)) }
        } catch {
            throw CommandError("cannot write the output: \(error.localizedDescription); check the directory exists and is writable")
        }
    }
}
