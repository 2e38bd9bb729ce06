import Foundation

// MARK: - Identity

/// Identity, Dropout (inference: identity; its mask output unsupported) and Cast (to float, or
/// among integer types on constants): views of their input.
enum Identity: OperatorDefinition {
    static let opTypes = ["Identity", "Dropout", "Cast"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        guard node.opType == "Cast" else { return [x] }
        switch node.int("to", default: 1) {
        case 6, 7, 9, 2, 3, 4, 5, 12, 13: return [Tensor(shape: x.shape, ints: x.ints)]
        default: return [Tensor(shape: x.shape, floats: x.floats)]
        }
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        if node.opType == "Cast" {
            let to = node.int("to", default: 1)
            guard to == 1 || to == 10 || to == 11 else {
                throw .unsupportedOperator(op: "Cast of a latent-dependent value to type \(to)", node: node.label, supported: OperatorRegistry.opTypes.sorted())
            }
        }
        if node.opType == "Dropout", node.outputs.count > 1, !node.outputs[1].isEmpty, lowering.isRead(node.outputs[1]) {
            throw node.shapeError("the Dropout mask output is not supported")
        }
        try lowering.defineView(node.outputs[0], of: name, shape: try lowering.shape(of: name, node), node)
    }
}
