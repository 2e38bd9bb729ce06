import Foundation

// MARK: - Transpose

/// Transpose by `perm` (default: reversed axes): one strided copy.
enum Transpose: RearrangingOperator {
    static let opTypes = ["Transpose"]

    static func copy(_ node: Node, input shape: [Int]) throws(EngineError) -> ([Int], CopyDescriptor) {
        let perm = node.ints("perm") ?? Array((0..<shape.count).reversed())
        guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "perm \(perm) for rank \(shape.count)")
        }
        let inStrides = ShapeMath.strides(shape)
        let outShape = perm.map { shape[$0] }
        return (outShape, CopyDescriptor(extent: outShape, sourceOffset: 0, sourceStrides: perm.map { inStrides[$0] },
                                         destinationOffset: 0, destinationStrides: ShapeMath.strides(outShape)))
    }
}
