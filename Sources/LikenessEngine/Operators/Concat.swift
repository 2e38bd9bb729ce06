import Foundation

// MARK: - Concat

/// Concat along one axis: one copy step with a piece per input (constants pinned in the arena).
enum Concat: OperatorDefinition {
    static let opTypes = ["Concat"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let parts = try (0..<inputs.count).map { (i: Int) throws(EngineError) -> Tensor in try node.required(inputs, i) }
        guard let first = parts.first else { throw node.shapeError("no inputs") }
        let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: first.shape.count, node: node)
        var outShape = first.shape
        outShape[axis] = 0
        for p in parts {
            guard p.shape.count == first.shape.count else { throw node.shapeError("rank mismatch") }
            for a in 0..<p.shape.count where a != axis && p.shape[a] != first.shape[a] { throw node.shapeError("shape \(p.shape) vs \(first.shape)") }
            outShape[axis] += p.shape[axis]
        }
        let outer = first.shape[..<axis].reduce(1, *)
        if parts.allSatisfy({ $0.isInteger }) {
            var out: [Int] = []
            for o in 0..<outer { for p in parts { let blk = p.shape[axis...].reduce(1, *); out += p.ints[o * blk ..< (o + 1) * blk] } }
            return [Tensor(shape: outShape, ints: out)]
        }
        var out: [Float] = []
        for o in 0..<outer { for p in parts { let blk = p.shape[axis...].reduce(1, *); out += p.floats[o * blk ..< (o + 1) * blk] } }
        return [Tensor(shape: outShape, floats: out)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        var parts: [(Int, [Int])] = []
        for name in node.inputs where !name.isEmpty {
            parts.append((try lowering.buffer(of: name, node), try lowering.shape(of: name, node)))
        }
        guard let first = parts.first?.1 else { throw node.shapeError("no inputs") }
        let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: first.count, node: node)
        var outShape = first
        outShape[axis] = 0
        for (_, s) in parts {
            guard s.count == first.count, (0..<s.count).allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
                throw node.shapeError("cannot concatenate \(s) with \(first) on axis \(axis)")
            }
            outShape[axis] += s[axis]
        }
        let outBuffer = try lowering.newOutput(outShape, node)
        let outStrides = ShapeMath.strides(outShape)
        var pieces: [(source: Int, destination: Int, copy: CopyDescriptor)] = []
        var offset = 0
        for (buffer, s) in parts {
            pieces.append((buffer, outBuffer, CopyDescriptor(extent: s, sourceOffset: 0, sourceStrides: ShapeMath.strides(s),
                                                             destinationOffset: offset * outStrides[axis], destinationStrides: outStrides)))
            offset += s[axis]
        }
        lowering.append(CopyStep(name: node.label, opType: node.opType, pieces: pieces))
        lowering.defineRuntime(node.outputs[0], shape: outShape, buffer: outBuffer)
    }
}
