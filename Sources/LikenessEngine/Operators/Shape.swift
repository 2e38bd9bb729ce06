import Foundation

// MARK: - Shape

/// Shape (with `start`/`end`) and Size. Every shape is known at load, so they fold even on
/// latent-dependent values, and the shape arithmetic after them folds too.
enum Shape: OperatorDefinition {
    static let opTypes = ["Shape", "Size"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        [try result(node, try node.required(inputs, 0).shape)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        try lowering.defineConstant(node.outputs[0], try result(node, try lowering.shape(of: name, node)))
    }

    static func result(_ node: Node, _ shape: [Int]) throws(EngineError) -> Tensor {
        if node.opType == "Size" { return Tensor(shape: [], ints: [shape.reduce(1, *)]) }
        let rank = shape.count
        var start = node.int("start", default: 0), end = node.int("end", default: rank)
        if start < 0 { start += rank }
        if end < 0 { end += rank }
        start = min(max(start, 0), rank); end = min(max(end, start), rank)
        let dims = Array(shape[start..<end])
        return Tensor(shape: [dims.count], ints: dims)
    }
}
