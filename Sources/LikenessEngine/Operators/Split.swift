import Foundation

// MARK: - Split

/// Split along one axis (sizes from the `split` input or attribute, else `num_outputs` equal
/// parts): one copy step with a piece per output.
enum Split: OperatorDefinition {
    static let opTypes = ["Split"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: x.shape.count, node: node)
        let sizes = try splitSizes(node, dim: x.shape[axis], splitInput: inputs.count > 1 ? inputs[1]?.ints : nil)
        var results: [Tensor] = []
        var start = 0
        for s in sizes {
            let (shape, copy) = try SliceMath.slice(input: x.shape, starts: [start], ends: [start + s], axes: [axis], steps: nil, node: node)
            results.append(Tensor(shape: shape, storage: Reference.stridedCopy(x.storage, copy, count: shape.reduce(1, *))))
            start += s
        }
        return results
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let x = try lowering.shape(of: name, node)
        let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: x.count, node: node)
        var splitInput: [Int]? = nil
        if let n = node.input(1) { guard let c = lowering.constantValue(n) else { throw node.shapeError("split must be constant") }; splitInput = c.ints }
        let sizes = try splitSizes(node, dim: x[axis], splitInput: splitInput)
        guard sizes.count == node.outputs.count else { throw node.shapeError("\(sizes.count) parts for \(node.outputs.count) outputs") }
        let inputBuffer = try lowering.buffer(of: name, node)
        var pieces: [(source: Int, destination: Int, copy: CopyDescriptor)] = []
        var outputs: [(String, [Int], Int)] = []
        var start = 0
        for (output, size) in zip(node.outputs, sizes) {
            let (shape, copy) = try SliceMath.slice(input: x, starts: [start], ends: [start + size], axes: [axis], steps: nil, node: node)
            let buffer = try lowering.newOutput(shape, node)
            pieces.append((inputBuffer, buffer, copy))
            outputs.append((output, shape, buffer))
            start += size
        }
        lowering.append(CopyStep(name: node.label, opType: node.opType, pieces: pieces))
        for (output, shape, buffer) in outputs where !output.isEmpty { lowering.defineRuntime(output, shape: shape, buffer: buffer) }
    }

    static func splitSizes(_ node: Node, dim: Int, splitInput: [Int]?) throws(EngineError) -> [Int] {
        if let s = splitInput ?? node.ints("split") {
            guard s.reduce(0, +) == dim, s.allSatisfy({ $0 >= 0 }) else {
                throw .shapeMismatch(node: node.label, op: node.opType, detail: "split \(s) does not sum to \(dim)")
            }
            return s
        }
        let n = node.int("num_outputs", default: node.outputs.count)
        guard n >= 1 else { throw .badAttribute(node: node.label, op: node.opType, detail: "num_outputs \(n)") }
        let chunk = (dim + n - 1) / n
        var sizes: [Int] = []
        var left = dim
        for _ in 0..<n { sizes.append(min(chunk, left)); left -= min(chunk, left) }
        return sizes
    }
}
