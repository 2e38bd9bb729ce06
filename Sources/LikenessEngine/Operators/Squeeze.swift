import Foundation

// MARK: - Squeeze

/// Squeeze and Unsqueeze (axes as an attribute or, from opset 13, a constant input): views.
enum Squeeze: OperatorDefinition {
    static let opTypes = ["Squeeze", "Unsqueeze"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        return [Tensor(shape: try outputShape(node, x.shape, axes: inputs.count > 1 ? inputs[1]?.ints : nil), storage: x.storage)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        var axes: [Int]? = nil
        if let axesName = node.input(1) {
            guard let c = lowering.constantValue(axesName) else { throw node.shapeError("axes must be constant") }
            axes = c.ints
        }
        try lowering.defineView(node.outputs[0], of: name, shape: try outputShape(node, try lowering.shape(of: name, node), axes: axes), node)
    }

    static func outputShape(_ node: Node, _ shape: [Int], axes inputAxes: [Int]?) throws(EngineError) -> [Int] {
        let axes = inputAxes ?? node.ints("axes")
        if node.opType == "Unsqueeze" {
            guard let axes else { throw .badAttribute(node: node.label, op: node.opType, detail: "missing axes") }
            let rank = shape.count + axes.count
            var normalized: [Int] = []
            for a in axes { normalized.append(try ShapeMath.axis(a, rank: rank, node: node)) }
            var out: [Int] = []
            var it = shape.makeIterator()
            for i in 0..<rank { out.append(normalized.contains(i) ? 1 : (it.next() ?? 1)) }
            return out
        }
        guard let axes else { return shape.filter { $0 != 1 } }
        var normalized: [Int] = []
        for a in axes {
            let n = try ShapeMath.axis(a, rank: shape.count, node: node)
            guard shape[n] == 1 else { throw .shapeMismatch(node: node.label, op: node.opType, detail: "axis \(a) of \(shape) is not 1") }
            normalized.append(n)
        }
        return shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    }
}
