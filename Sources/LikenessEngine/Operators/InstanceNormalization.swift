import Foundation

// MARK: - InstanceNormalization

/// InstanceNormalization: every (image, channel) plane of [N, C, …] normalised to zero mean and
/// unit variance, then scaled and shifted by constant per-channel parameters.
enum InstanceNormalization: OperatorDefinition {
    static let opTypes = ["InstanceNormalization"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let scale = try node.required(inputs, 1).floats, bias = try node.required(inputs, 2).floats
        let eps = node.float("epsilon", default: 1e-5)
        guard x.shape.count >= 3 else { throw node.shapeError("input rank < 3") }
        let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
        guard scale.count == c, bias.count == c else { throw node.shapeError("parameters do not have \(c) channels") }
        var v = x.floats
        for n in 0..<x.shape[0] { for ch in 0..<c {
            let base = (n * c + ch) * inner
            var mean = 0.0, sq = 0.0
            for i in 0..<inner { mean += Double(v[base + i]) }
            mean /= Double(inner)
            for i in 0..<inner { let d = Double(v[base + i]) - mean; sq += d * d }
            let inv = 1 / (sq / Double(inner) + Double(eps)).squareRoot()
            for i in 0..<inner { v[base + i] = Float((Double(v[base + i]) - mean) * inv) * scale[ch] + bias[ch] }
        } }
        return [Tensor(shape: x.shape, floats: v)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let x = try lowering.shape(of: name, node)
        guard x.count >= 3, let s = lowering.constantValue(node.input(1)), let b = lowering.constantValue(node.input(2)),
              s.count == x[1], b.count == x[1] else {
            throw node.shapeError("needs constant scale and bias matching the channels of \(x)")
        }
        let inputBuffer = try lowering.buffer(of: name, node)
        let outBuffer = lowering.outputReplacing(name, count: x.reduce(1, *))
        lowering.append(InstanceNormStep(name: node.label, shape: x, scale: s.floats, bias: b.floats, epsilon: node.float("epsilon", default: 1e-5),
                                         activation: node.activation, inputID: inputBuffer, outputID: outBuffer, parts: lowering.parts))
        lowering.defineRuntime(node.outputs[0], shape: x, buffer: outBuffer)
    }
}

/// InstanceNormalization on [N, C, inner] with per-channel scale and bias, fused activation.
final class InstanceNormStep: SingleInputStep {
    let batch: Int, channels: Int, inner: Int
    let scale: OwnedFloats, bias: OwnedFloats
    let epsilon: Float
    let activation: Activation

    init(name: String, shape: [Int], scale: [Float], bias: [Float], epsilon: Float, activation: Activation, inputID: Int, outputID: Int, parts: Int) {
        batch = shape[0]
        channels = shape[1]
        inner = shape.dropFirst(2).reduce(1, *)
        self.scale = OwnedFloats(scale)
        self.bias = OwnedFloats(bias)
        self.epsilon = epsilon
        self.activation = activation
        super.init(name: name, opType: "InstanceNormalization", inputID: inputID, outputID: outputID)
        flops = 5 * Double(batch * channels * inner)
        parallel = parts > 1 && batch * channels >= 2
    }

    override func run(part: Int, of parts: Int) {
        for plane in Step.range(batch * channels, part: part, of: parts) {
            let x = input + plane * inner
            var sum: Double = 0
            for i in 0..<inner { sum += Double(x[i]) }
            let mean = sum / Double(inner)
            var squares: Double = 0
            for i in 0..<inner { let d = Double(x[i]) - mean; squares += d * d }
            let inv = 1 / (squares / Double(inner) + Double(epsilon)).squareRoot()
            let c = plane % channels
            let s = Float(inv) * scale.pointer[c]
            activation.applyAffine(x, output + plane * inner, count: inner, scale: s, shift: bias.pointer[c] - Float(mean) * s)
        }
    }
}
