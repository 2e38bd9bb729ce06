import Foundation

// MARK: - SliceOperator

/// Slice (constant starts, ends, axes and steps; negative steps included): one strided copy.
/// (Named so that it does not hide the standard library's `Slice`.)
enum SliceOperator: OperatorDefinition {
    static let opTypes = ["Slice"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let (shape, copy) = try SliceMath.slice(
            input: x.shape, starts: try node.required(inputs, 1).ints, ends: try node.required(inputs, 2).ints,
            axes: inputs.count > 3 ? inputs[3]?.ints : nil, steps: inputs.count > 4 ? inputs[4]?.ints : nil, node: node)
        return [Tensor(shape: shape, storage: Reference.stridedCopy(x.storage, copy, count: shape.reduce(1, *)))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let starts = lowering.constantValue(node.input(1)), let ends = lowering.constantValue(node.input(2)) else {
            throw node.shapeError("starts and ends must be constants")
        }
        var axes: [Int]? = nil, steps: [Int]? = nil
        if let n = node.input(3) { guard let c = lowering.constantValue(n) else { throw node.shapeError("axes must be constant") }; axes = c.ints }
        if let n = node.input(4) { guard let c = lowering.constantValue(n) else { throw node.shapeError("steps must be constant") }; steps = c.ints }
        try lowering.lowerCopy(node) { (shape: [Int]) throws(EngineError) in
            try SliceMath.slice(input: shape, starts: starts.ints, ends: ends.ints, axes: axes, steps: steps, node: node)
        }
    }
}

/// Slice parameters (starts/ends/axes/steps) resolved against a shape.
enum SliceMath {
    /// Returns the output shape and a copy descriptor reading the slice of a contiguous `input`.
    static func slice(input: [Int], starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?, node: Node) throws(EngineError) -> ([Int], CopyDescriptor) {
        let rank = input.count
        guard starts.count == ends.count else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "starts \(starts) and ends \(ends) differ in length")
        }
        let axisList = axes ?? Array(0..<starts.count)
        let stepList = steps ?? [Int](repeating: 1, count: starts.count)
        guard axisList.count == starts.count, stepList.count == starts.count else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "axes/steps lengths do not match starts")
        }
        var out = input
        var begin = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        for i in 0..<starts.count {
            let a = try ShapeMath.axis(axisList[i], rank: rank, node: node)
            let dim = input[a]
            guard stepList[i] != 0 else { throw .badAttribute(node: node.label, op: node.opType, detail: "step 0") }
            // A step longer than the axis takes at most one element: clamping it keeps the result and keeps
            // `-st`, `e - s + st` and the source stride from overflowing for steps near Int.max.
            let reach = max(dim, 1)
            let st = min(max(stepList[i], -reach), reach)
            func clampIndex(_ v: Int, lo: Int, hi: Int) -> Int {
                let x = v < 0 ? v + dim : v
                return min(max(x, lo), hi)
            }
            let s: Int, e: Int
            if st > 0 {
                s = clampIndex(starts[i] < -dim * 2 ? -dim : starts[i], lo: 0, hi: dim)
                e = clampIndex(ends[i] < -dim * 2 ? -dim : ends[i], lo: 0, hi: dim)
                out[a] = max(0, (e - s + st - 1) / st)
            } else {
                s = clampIndex(starts[i] < -dim * 2 ? -dim : starts[i], lo: -1, hi: dim - 1)
                e = clampIndex(ends[i] < -dim * 2 ? -dim - 1 : ends[i], lo: -1, hi: dim - 1)
                out[a] = max(0, (s - e + (-st) - 1) / (-st))
            }
            begin[a] = s
            step[a] = st
        }
        let inStrides = ShapeMath.strides(input)
        var offset = 0
        var srcStrides = inStrides
        for a in 0..<rank {
            offset += begin[a] * inStrides[a]
            srcStrides[a] = inStrides[a] * step[a]
        }
        return (out, CopyDescriptor(extent: out, sourceOffset: offset, sourceStrides: srcStrides, destinationOffset: 0, destinationStrides: ShapeMath.strides(out)))
    }
}
