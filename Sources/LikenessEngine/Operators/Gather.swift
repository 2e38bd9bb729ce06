import Foundation

// MARK: - Gather

/// Gather on constants (shape arithmetic: picking dimensions); folded.
enum Gather: OperatorDefinition {
    static let opTypes = ["Gather"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let data = try node.required(inputs, 0), indices = try node.required(inputs, 1)
        let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: data.shape.count, node: node)
        let dim = data.shape[axis]
        let outer = data.shape[..<axis].reduce(1, *), inner = data.shape[(axis + 1)...].reduce(1, *)
        let idx = try indices.ints.map { (i: Int) throws(EngineError) -> Int in
            let j = i < 0 ? i + dim : i
            guard j >= 0, j < dim else { throw node.shapeError("index \(i) out of range for axis size \(dim)") }
            return j
        }
        let outShape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        func gather<T>(_ v: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * idx.count * inner)
            for o in 0..<outer { for j in idx { out.append(contentsOf: v[(o * dim + j) * inner ..< (o * dim + j + 1) * inner]) } }
            return out
        }
        switch data.storage {
        case .int(let v): return [Tensor(shape: outShape, ints: gather(v))]
        case .float(let v): return [Tensor(shape: outShape, floats: gather(v))]
        }
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        throw .unsupportedOperator(op: "Gather on a latent-dependent value", node: node.label, supported: OperatorRegistry.opTypes.sorted())
    }
}
