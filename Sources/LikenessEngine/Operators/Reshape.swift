import Foundation

// MARK: - Reshape

/// Reshape (a constant target shape, `0` and `-1` resolved) and Flatten: views, no copy — the
/// output names the input's buffer with another shape.
enum Reshape: OperatorDefinition {
    static let opTypes = ["Reshape", "Flatten"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        return [Tensor(shape: try outputShape(node, x.shape, target: inputs.count > 1 ? inputs[1] : nil), storage: x.storage)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let target = lowering.constantValue(node.input(1))
        if node.opType == "Reshape" && target == nil { throw node.shapeError("the target shape must be a constant (or fold to one)") }
        let shape = try outputShape(node, try lowering.shape(of: name, node), target: target)
        try lowering.defineView(node.outputs[0], of: name, shape: shape, node)
    }

    static func outputShape(_ node: Node, _ x: [Int], target: Tensor?) throws(EngineError) -> [Int] {
        if node.opType == "Reshape" {
            guard let target else { throw node.shapeError("missing the target shape") }
            return try ShapeMath.reshape(x, target: target.ints, allowZero: node.int("allowzero", default: 0) != 0, node: node)
        }
        let axis = node.int("axis", default: 1)
        let a = axis < 0 ? axis + x.count : axis
        guard a >= 0, a <= x.count else { throw node.shapeError("axis \(axis)") }
        return [x[..<a].reduce(1, *), x[a...].reduce(1, *)]
    }
}
