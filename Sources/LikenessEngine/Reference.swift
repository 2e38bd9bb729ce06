import Foundation

// MARK: - Reference

/// Naive, obviously-correct evaluation of a node on ``Tensor`` values, through the operator's
/// own reference in `Operators/` (``OperatorDefinition/evaluate(_:_:)``).
///
/// Used for constant folding at load (shape arithmetic, weight preprocessing) and as the
/// reference that the fast kernels are tested against. Speed does not matter here.
enum Reference {
    /// Evaluates one node (with the activation ``Fusion`` gave it). `inputs[i]` is nil for an omitted optional input.
    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        guard let definition = OperatorRegistry.definition(for: node.opType) else {
            throw .unsupportedOperator(op: node.opType, node: node.label, supported: OperatorRegistry.opTypes.sorted())
        }
        var outputs = try definition.evaluate(node, inputs)
        if node.activation != .none, let first = outputs.first, !first.isInteger {
            outputs[0] = Tensor(shape: first.shape, floats: first.floats.map(node.activation.apply))
        }
        return outputs
    }

    // MARK: Helpers

    /// Per output element (row-major over `shape`), the offsets into two broadcast operands.
    static func broadcastOffsets(_ shape: [Int], _ sa: [Int], _ sb: [Int]) -> [(Int, Int)] {
        let count = shape.reduce(1, *)
        var result: [(Int, Int)] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            var a = 0, b = 0
            for d in 0..<shape.count { a += index[d] * sa[d]; b += index[d] * sb[d] }
            result.append((a, b))
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return result
    }

    /// `c` applied to `storage`: the result has `count` elements.
    static func stridedCopy(_ storage: Tensor.Storage, _ c: CopyDescriptor, count: Int) -> Tensor.Storage {
        func run<T>(_ src: [T], zero: T) -> [T] {
            var out = [T](repeating: zero, count: count)
            var index = [Int](repeating: 0, count: c.extent.count)
            for _ in 0..<c.extent.reduce(1, *) {
                var s = c.sourceOffset, d = c.destinationOffset
                for k in 0..<c.extent.count { s += index[k] * c.sourceStrides[k]; d += index[k] * c.destinationStrides[k] }
                out[d] = src[s]
                var k = c.extent.count - 1
                while k >= 0 { index[k] += 1; if index[k] < c.extent[k] { break }; index[k] = 0; k -= 1 }
            }
            return out
        }
        switch storage {
        case .float(let v): return .float(run(v, zero: 0))
        case .int(let v): return .int(run(v, zero: 0))
        }
    }
}
