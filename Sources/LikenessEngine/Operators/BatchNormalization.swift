import Foundation

// MARK: - BatchNormalization

/// BatchNormalization in inference mode with constant statistics: `y = (x - mean) / √(var + ε) · γ + β`
/// per channel of [N, C, …]. After a convolution ``Fusion`` folds it into the weights; alone it
/// is a ``ChannelAffineStep`` (in place when it can).
enum BatchNormalization: OperatorDefinition {
    static let opTypes = ["BatchNormalization"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        guard x.shape.count >= 2 else { throw node.shapeError("input rank < 2") }
        guard let (scale, shift) = affine(node, channels: x.shape[1], constants: { name in
            node.inputs.firstIndex(of: name).flatMap { $0 < inputs.count ? inputs[$0] : nil }
        }) else { throw node.shapeError("parameters do not have \(x.shape[1]) channels") }
        let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
        var v = x.floats
        for n in 0..<x.shape[0] { for ch in 0..<c {
            for i in 0..<inner { let k = (n * c + ch) * inner + i; v[k] = v[k] * scale[ch] + shift[ch] }
        } }
        return [Tensor(shape: x.shape, floats: v)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let x = try lowering.shape(of: name, node)
        guard x.count >= 2, let (scale, shift) = affine(node, channels: x[1], constants: { lowering.constantValue($0) }) else {
            throw node.shapeError("needs constant scale, bias, mean and variance matching the channels of \(x)")
        }
        for extra in node.outputs.dropFirst() where !extra.isEmpty && lowering.isRead(extra) {
            throw node.shapeError("the training-mode outputs (running mean and variance) are not supported")
        }
        let inputBuffer = try lowering.buffer(of: name, node)
        let outBuffer = lowering.outputReplacing(name, count: x.reduce(1, *))
        lowering.append(ChannelAffineStep(name: node.label, opType: node.opType, shape: x, scale: scale, shift: shift, activation: node.activation,
                                          inputID: inputBuffer, outputID: outBuffer, parts: lowering.parts))
        lowering.defineRuntime(node.outputs[0], shape: x, buffer: outBuffer)
    }

    /// The node as a per-channel affine map `x · scale + shift`, when its parameters are constants of `channels` values.
    static func affine(_ node: Node, channels: Int, constants: (String) -> Tensor?) -> (scale: [Float], shift: [Float])? {
        func parameter(_ i: Int) -> [Float]? {
            guard let name = node.input(i), let t = constants(name), !t.isInteger, t.count == channels else { return nil }
            return t.floats
        }
        guard let gv = parameter(1), let bv = parameter(2), let mv = parameter(3), let vv = parameter(4) else { return nil }
        let eps = node.float("epsilon", default: 1e-5)
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = gv[c] / (vv[c] + eps).squareRoot()
            shift[c] = bv[c] - mv[c] * scale[c]
        }
        return (scale, shift)
    }
}

// MARK: - Per-channel affine (BatchNorm) and InstanceNorm

/// `y = act(x·scale[c] + shift[c])` on [N, C, inner]; BatchNorm in inference mode. May run in place.
final class ChannelAffineStep: SingleInputStep {
    let batch: Int, channels: Int, inner: Int
    let scale: OwnedFloats, shift: OwnedFloats
    let activation: Activation

    init(name: String, opType: String, shape: [Int], scale: [Float], shift: [Float], activation: Activation, inputID: Int, outputID: Int, parts: Int) {
        batch = shape[0]
        channels = shape.count > 1 ? shape[1] : 1
        inner = shape.dropFirst(2).reduce(1, *)
        self.scale = OwnedFloats(scale)
        self.shift = OwnedFloats(shift)
        self.activation = activation
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = 2 * Double(batch * channels * inner)
        parallel = parts > 1 && batch * channels * inner >= 16384
    }

    override func run(part: Int, of parts: Int) {
        for plane in Step.range(batch * channels, part: part, of: parts) {
            let c = plane % channels
            activation.applyAffine(input + plane * inner, output + plane * inner, count: inner, scale: scale.pointer[c], shift: shift.pointer[c])
        }
    }
}
