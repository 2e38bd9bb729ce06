import Foundation
import LikenessKernels

// MARK: - UnaryElementwise

/// The unary elementwise operators: the activations (Relu, LeakyRelu, Sigmoid, Tanh, Clip), which
/// ``Fusion`` usually merges into their producer, and Elu, Softplus, Neg, Exp, Sqrt, Abs; Floor and
/// Ceil only on constants. One ``UnaryStep``, in place when it can.
enum UnaryElementwise: OperatorDefinition {
    static let opTypes = ["Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Softplus", "Neg", "Exp", "Sqrt", "Abs", "Floor", "Ceil"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        if x.isInteger, ["Floor", "Ceil", "Neg", "Abs"].contains(node.opType) {
            switch node.opType {
            case "Neg": return [Tensor(shape: x.shape, ints: x.ints.map { -$0 })]
            case "Abs": return [Tensor(shape: x.shape, ints: x.ints.map { abs($0) })]
            default: return [x]
            }
        }
        let f: (Float) -> Float
        if let act = Activation.fusable(node, constants: { name in
            node.inputs.firstIndex(of: name).flatMap { $0 < inputs.count ? inputs[$0] : nil }
        }) {
            f = act.apply
        } else {
            // The scalar definitions, independent of the kernels they check.
            let alpha = node.float("alpha", default: 1)
            switch node.opType {
            case "Elu": f = { $0 >= 0 ? $0 : alpha * (Foundation.exp($0) - 1) }
            case "Softplus": f = { Foundation.log1p(Foundation.exp($0)) }
            case "Neg": f = { -$0 }
            case "Exp": f = { Foundation.exp($0) }
            case "Sqrt": f = { $0.squareRoot() }
            case "Abs": f = { Swift.abs($0) }
            case "Floor": f = { $0.rounded(.down) }
            case "Ceil": f = { $0.rounded(.up) }
            default: throw node.shapeError("Clip bounds must be constants")
            }
        }
        return [Tensor(shape: x.shape, floats: x.floats.map(f))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let x = try lowering.shape(of: name, node)
        let op: UnaryOperator
        if let act = Activation.fusable(node, constants: { lowering.constantValue($0) }) {
            op = .activation(act)
        } else if let other = try unary(node) {
            op = other
        } else if node.opType == "Clip" {
            throw node.shapeError("Clip bounds must be constants")
        } else {
            throw .unsupportedOperator(op: "\(node.opType) on a latent-dependent value", node: node.label, supported: OperatorRegistry.opTypes.sorted())
        }
        let count = x.reduce(1, *)
        let inputBuffer = try lowering.buffer(of: name, node)
        let outBuffer = lowering.outputReplacing(name, count: count)
        lowering.append(UnaryStep(name: node.label, opType: node.opType, op: op, count: count, inputID: inputBuffer, outputID: outBuffer,
                                  parts: lowering.parts, curve: lowering.kernels?.table.curve))
        lowering.defineRuntime(node.outputs[0], shape: x, buffer: outBuffer)
    }

    /// The non-activation operators the unary step runs; nil for the activations, Floor and Ceil.
    static func unary(_ node: Node) throws(EngineError) -> UnaryOperator? {
        switch node.opType {
        case "Elu": return .elu(alpha: node.float("alpha", default: 1))
        case "Softplus": return .softplus
        case "Neg": return .negate
        case "Exp": return .exp
        case "Sqrt": return .squareRoot
        case "Abs": return .absolute
        default: return nil
        }
    }
}

// MARK: - Elementwise

/// A unary elementwise operator over a whole buffer; may run in place.
final class UnaryStep: SingleInputStep {
    let op: UnaryOperator
    let count: Int
    /// This CPU's sigmoid/tanh kernel (nil on the baseline, where the engine's own lanes run).
    let curve: (@Sendable (UnsafeMutablePointer<Float>, Int, CurveFunction) -> Void)?

    init(name: String, opType: String, op: UnaryOperator, count: Int, inputID: Int, outputID: Int, parts: Int,
         curve: (@Sendable (UnsafeMutablePointer<Float>, Int, CurveFunction) -> Void)? = nil) {
        self.op = op
        self.count = count
        self.curve = curve
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = Double(count)
        parallel = parts > 1 && count >= 32768
    }

    override func run(part: Int, of parts: Int) {
        let r = Step.range(count, part: part, of: parts, multiple: 16)
        if r.isEmpty { return }
        if case .activation(let act) = op {
            if input != output { (output + r.lowerBound).update(from: input + r.lowerBound, count: r.count) }
            if let curve, act.curve != .none {
                curve(output + r.lowerBound, r.count, act.curve)
            } else {
                act.applyInPlace(output + r.lowerBound, count: r.count)
            }
        } else {
            for i in r { output[i] = op.apply(input[i]) }
        }
    }
}
