import Foundation
import LikenessEngine

// MARK: - ModelFuzzTarget

/// The ONNX loader: protobuf decoding, validation and planning (`CompiledModel(data:)`), one run of a
/// small accepted model, then the generator contract (`Generator(data:)`).
///
/// Every error must be an `EngineError` whose message is one line with a hint (after a semicolon).
public struct ModelFuzzTarget: FuzzTarget {
    public let name = "onnx"
    public let fileExtension = "onnx"
    public let maximumLength = 65_536

    public init() {}

    public let dictionary: [[UInt8]] = {
        let bytes: [[UInt8]] = [
            [0x00], [0xFF], [0x80], [0x7F], [0x01], [0x08], [0x0A], [0x12], [0x1A], [0x22], [0x3A], // common field keys
            [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x80, 0x80, 0x80, 0x80, 0x10], // 32-bit varint edges
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // varint -1
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], // varint 2^63 - 1
            [0x00, 0x00, 0xC0, 0x7F], [0x00, 0x00, 0x80, 0x7F], [0x00, 0x00, 0x80, 0xFF], [0x00, 0x00, 0x00, 0x00], // NaN, ±inf, 0
            [0x08, 0x00], [0x08, 0x01], [0x08, 0x07], [0x08, 0x0B], [0x10, 0x01], // dims / data types
        ]
        let names = ["Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Relu", "Resize", "Reshape", "Concat", "Slice",
                     "Gather", "Pad", "BatchNormalization", "DepthToSpace", "Einsum", "z", "image", "ai.onnx", "mode", "axes"]
        return bytes + names.map { Array($0.utf8) }
    }()

    public func run(_ input: [UInt8]) -> FuzzOutcome {
        let data = Data(input)
        do {
            let model = try CompiledModel(data: data, batchSize: 1, options: EngineOptions(threads: 1))
            if model.gflop < 0.05, model.arenaBytes < 64 << 20 { model.run() }
            _ = try Generator(data: data, threads: 1)
            return .accepted
        } catch {
            let message = error.description
            if let broken = check(message: message, hint: ";") { return broken }
            if case .notONNX = error { return .rejectedEarly(message: message) }
            return .rejectedLate(message: message)
        }
    }
}
