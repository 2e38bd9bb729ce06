import Foundation

// MARK: - Constant

/// Constant and ConstantOfShape: values known at load, folded.
enum Constant: OperatorDefinition {
    static let opTypes = ["Constant", "ConstantOfShape"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        if node.opType == "ConstantOfShape" {
            let shape = try node.required(inputs, 0).ints
            let count = try Limits.elementCount(shape, what: "ConstantOfShape '\(node.label)'")
            if case .tensor(let v)? = node.attributes["value"], v.count == 1 {
                if v.isInteger { return [Tensor(shape: shape, ints: [Int](repeating: v.ints[0], count: count))] }
                return [Tensor(shape: shape, floats: [Float](repeating: v.floats[0], count: count))]
            }
            return [Tensor(shape: shape, floats: [Float](repeating: 0, count: count))]
        }
        if case .tensor(let t)? = node.attributes["value"] { return [t] }
        if case .float(let f)? = node.attributes["value_float"] { return [Tensor(shape: [], floats: [f])] }
        if case .floats(let f)? = node.attributes["value_floats"] { return [Tensor(shape: [f.count], floats: f)] }
        if case .int(let i)? = node.attributes["value_int"] { return [Tensor(shape: [], ints: [i])] }
        if case .ints(let i)? = node.attributes["value_ints"] { return [Tensor(shape: [i.count], ints: i)] }
        throw EngineError.badAttribute(node: node.label, op: node.opType, detail: "Constant without a supported value attribute")
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        throw node.shapeError("the shape must be a constant (or fold to one)")
    }
}
