import Foundation

// MARK: - Activation

/// An elementwise activation fused into the epilogue of a producing kernel.
enum Activation: Equatable, Sendable {
    case none
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    case clip(min: Float, max: Float)

    /// Maps a unary ONNX node to an activation, if it is one the kernels can fuse.
    static func fusable(_ node: Node, constants: (String) -> Tensor?) -> Activation? {
        switch node.opType {
        case "Relu": return .relu
        case "LeakyRelu": return .leakyRelu(alpha: node.float("alpha", default: 0.01))
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "Clip":
            var lo = -Float.greatestFiniteMagnitude, hi = Float.greatestFiniteMagnitude
            if let v = node.floats("min")?.first { lo = v }
            if let v = node.floats("max")?.first { hi = v }
            if let name = node.input(1) {
                guard let t = constants(name), t.count == 1 else { return nil }
                lo = t.floats[0]
            }
            if let name = node.input(2) {
                guard let t = constants(name), t.count == 1 else { return nil }
                hi = t.floats[0]
            }
            return .clip(min: lo, max: hi)
        default: return nil
        }
    }

    /// The scalar definition (the reference for the SIMD kernels).
    @inlinable func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return x > 0 ? x : 0
        case .leakyRelu(let a): return x >= 0 ? x : x * a
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .clip(let lo, let hi): return Swift.min(Swift.max(x, lo), hi)
        }
    }
}
