import Foundation

// MARK: - Transpose

/// Transpose by `perm` (default: reversed axes): one strided copy.
enum Transpose: OperatorDefinition {
    static let opTypes = ["Transpose"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let copy = try self.copy(node, x.shape)
        return [Tensor(shape: copy.extent, storage: Reference.stridedCopy(x.storage, copy, count: x.count))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        try lowering.lowerCopy(node) { (shape: [Int]) throws(EngineError) in
            let copy = try self.copy(node, shape)
            return (copy.extent, copy)
        }
    }

    static func copy(_ node: Node, _ shape: [Int]) throws(EngineError) -> CopyDescriptor {
        let perm = node.ints("perm") ?? Array((0..<shape.count).reversed())
        guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "perm \(perm) for rank \(shape.count)")
        }
        let inStrides = ShapeMath.strides(shape)
        let outShape = perm.map { shape[$0] }
        return CopyDescriptor(extent: outShape, sourceOffset: 0, sourceStrides: perm.map { inStrides[$0] }, destinationOffset: 0, destinationStrides: ShapeMath.strides(outShape))
    }
}
