import Foundation

// MARK: - RangeOperator

/// Range on constant scalars (integers or floats); folded. (Named so that it does not hide the
/// standard library's `Range`.)
enum RangeOperator: OperatorDefinition {
    static let opTypes = ["Range"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let s = try node.required(inputs, 0), l = try node.required(inputs, 1), d = try node.required(inputs, 2)
        if s.isInteger && l.isInteger && d.isInteger {
            let start = s.ints[0], limit = l.ints[0], delta = d.ints[0]
            guard delta != 0 else { throw node.shapeError("delta 0") }
            let n = max(0, (limit - start + delta - (delta > 0 ? 1 : -1)) / delta)
            _ = try Limits.elementCount([n], what: "Range '\(node.label)'")
            return [Tensor(shape: [n], ints: (0..<n).map { start + $0 * delta })]
        }
        let start = s.floats[0], limit = l.floats[0], delta = d.floats[0]
        guard delta != 0 else { throw node.shapeError("delta 0") }
        let n = max(0, Int(((limit - start) / delta).rounded(.up)))
        _ = try Limits.elementCount([n], what: "Range '\(node.label)'")
        return [Tensor(shape: [n], floats: (0..<n).map { start + Float($0) * delta })]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        throw .unsupportedOperator(op: "Range on a latent-dependent value", node: node.label, supported: OperatorRegistry.opTypes.sorted())
    }
}
