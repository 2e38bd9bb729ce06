import Foundation

// MARK: - Expand

/// Expand to a constant shape by broadcasting: one strided copy with zero strides.
enum Expand: OperatorDefinition {
    static let opTypes = ["Expand"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let (shape, copy) = try self.copy(node, x.shape, target: try node.required(inputs, 1).ints)
        return [Tensor(shape: shape, storage: Reference.stridedCopy(x.storage, copy, count: shape.reduce(1, *)))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let target = lowering.constantValue(node.input(1)) else { throw node.shapeError("the shape must be constant") }
        try lowering.lowerCopy(node) { (shape: [Int]) throws(EngineError) in try copy(node, shape, target: target.ints) }
    }

    static func copy(_ node: Node, _ x: [Int], target: [Int]) throws(EngineError) -> ([Int], CopyDescriptor) {
        let shape = try ShapeMath.broadcast(x, target, node: node)
        _ = try Limits.elementCount(shape, what: "Expand '\(node.label)' output")
        return (shape, CopyDescriptor(extent: shape, sourceOffset: 0, sourceStrides: ShapeMath.broadcastStrides(x, to: shape),
                                      destinationOffset: 0, destinationStrides: ShapeMath.strides(shape)))
    }
}
