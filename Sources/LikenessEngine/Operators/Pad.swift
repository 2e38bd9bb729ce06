// MARK: - Pad

/// Pad: constant, reflect, edge or wrap padding of any rank; negative pads crop.
///
/// Inputs (opset 11+): data, `pads` [2·r] (all begins, then all ends), optional `constant_value`,
/// optional `axes` (opset 18; `pads` then has 2·len(axes) values). Opset < 11 takes `pads` and
/// `value` as attributes.
enum Pad: OperatorDefinition {
    static let opTypes = ["Pad"]

    enum Mode: String { case constant, reflect, edge, wrap }

    /// Resolved parameters: per axis the pad before and after, the mode and the fill value.
    struct Parameters {
        var begin: [Int], end: [Int]
        var mode: Mode
        var value: Float
        var outputShape: [Int]
    }

    static func parameters(_ node: Node, input shape: [Int], constants: [Tensor?]) throws(EngineError) -> Parameters {
        let rank = shape.count
        let modeName = node.string("mode", default: "constant")
        guard let mode = Mode(rawValue: modeName) else { throw node.attributeError("mode '\(modeName)' (supported: constant, reflect, edge, wrap)") }
        var pads: [Int]
        var value: Float = node.float("value", default: 0)
        if let attribute = node.ints("pads") {
            pads = attribute
        } else {
            guard constants.count > 1, let p = constants[1] else { throw node.shapeError("pads must be a constant (or fold to one)") }
            pads = p.ints
            if constants.count > 2, let v = constants[2] {
                guard v.count == 1 else { throw node.shapeError("constant_value must be one value, got \(v.count)") }
                value = v.floats[0]
            }
        }
        var axes = Array(0..<rank)
        if constants.count > 3, let a = constants[3] {
            var normalized: [Int] = []
            for axis in a.ints { normalized.append(try ShapeMath.axis(axis, rank: rank, node: node)) }
            guard Set(normalized).count == normalized.count else { throw node.attributeError("axes \(a.ints) repeat an axis") }
            axes = normalized
        }
        guard pads.count == 2 * axes.count else { throw node.shapeError("pads has \(pads.count) values, expected \(2 * axes.count)") }
        var begin = [Int](repeating: 0, count: rank), end = begin
        for (i, axis) in axes.enumerated() { begin[axis] = pads[i]; end[axis] = pads[axes.count + i] }
        var out = shape
        for a in 0..<rank {
            guard abs(begin[a]) <= 1 << 20, abs(end[a]) <= 1 << 20 else { throw node.shapeError("pad \(begin[a]), \(end[a]) is too large") }
            out[a] = shape[a] + begin[a] + end[a]
            guard out[a] >= 0 else { throw node.shapeError("pads \(pads) crop axis \(a) of \(shape) below zero") }
            if mode != .constant && out[a] > 0 && shape[a] == 0 { throw node.shapeError("\(mode.rawValue) padding of an empty axis") }
        }
        _ = try Limits.elementCount(out, what: "Pad '\(node.label)' output")
        return Parameters(begin: begin, end: end, mode: mode, value: value, outputShape: out)
    }

    /// The source index along an axis of size `size` for output index `o` (before-pad `begin`), or -1 for the fill value.
    @inline(__always)
    static func source(_ o: Int, begin: Int, size: Int, mode: Mode) -> Int {
        let i = o - begin
        if i >= 0 && i < size { return i }
        switch mode {
        case .constant: return -1
        case .edge: return i < 0 ? 0 : size - 1
        case .wrap: return ((i % size) + size) % size
        case .reflect:
            if size == 1 { return 0 }
            let period = 2 * (size - 1)
            var r = ((i % period) + period) % period
            if r >= size { r = period - r }
            return r
        }
    }

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let p = try parameters(node, input: x.shape, constants: inputs)
        let rank = x.shape.count
        let strides = ShapeMath.strides(x.shape)
        let count = p.outputShape.reduce(1, *)
        let values = x.floats
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        for k in 0..<count {
            var offset = 0
            var inside = true
            for a in 0..<rank {
                let s = source(index[a], begin: p.begin[a], size: x.shape[a], mode: p.mode)
                if s < 0 { inside = false; break }
                offset += s * strides[a]
            }
            out[k] = inside ? values[offset] : p.value
            var a = rank - 1
            while a >= 0 { index[a] += 1; if index[a] < p.outputShape[a] { break }; index[a] = 0; a -= 1 }
        }
        if x.isInteger { return [Tensor(shape: p.outputShape, ints: out.map { Int($0) })] }
        return [Tensor(shape: p.outputShape, floats: out)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let x = try lowering.shape(of: name, node)
        var constants: [Tensor?] = [nil]
        for i in 1..<max(node.inputs.count, 1) {
            guard let input = node.input(i) else { constants.append(nil); continue }
            guard let c = lowering.constantValue(input) else { throw node.shapeError("pads, constant_value and axes must be constants") }
            constants.append(c)
        }
        let p = try parameters(node, input: x, constants: constants)
        guard !x.isEmpty else { throw node.shapeError("Pad of a scalar") }
        var tables: [[Int]] = []
        for a in 0..<x.count { tables.append((0..<p.outputShape[a]).map { source($0, begin: p.begin[a], size: x[a], mode: p.mode) }) }
        let input = try lowering.buffer(of: name, node)
        let output = lowering.newBuffer(p.outputShape.reduce(1, *))
        lowering.append(PadStep(name: node.label, inputShape: x, outputShape: p.outputShape, tables: tables, value: p.value,
                                inputID: input, outputID: output, parts: lowering.parts))
        lowering.defineRuntime(node.outputs[0], shape: p.outputShape, buffer: output)
    }
}

// MARK: - PadStep

/// Pad through one source-index table per axis (-1 = the fill value); rows split across threads.
///
/// input [d0, …, dr-1] → output [o0, …, or-1]; the last axis is copied by its table, the outer
/// axes pick the source row (or fill it).
final class PadStep: SingleInputStep {
    let inputShape: [Int], outputShape: [Int]
    let tables: [[Int]]
    let value: Float
    let rows: Int
    let inputStrides: [Int]

    init(name: String, inputShape: [Int], outputShape: [Int], tables: [[Int]], value: Float, inputID: Int, outputID: Int, parts: Int) {
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.tables = tables
        self.value = value
        rows = outputShape.dropLast().reduce(1, *)
        inputStrides = ShapeMath.strides(inputShape)
        super.init(name: name, opType: "Pad", inputID: inputID, outputID: outputID)
        parallel = parts > 1 && outputShape.reduce(1, *) >= 65536
    }

    override func run(part: Int, of parts: Int) {
        let rank = outputShape.count
        let width = outputShape[rank - 1]
        let last = tables[rank - 1]
        last.withUnsafeBufferPointer { columns in
            for row in Step.range(rows, part: part, of: parts) {
                // Source offset of this output row, from its outer indices.
                var rest = row, offset = 0, inside = true
                var a = rank - 2
                while a >= 0 {
                    let o = rest % outputShape[a]
                    rest /= outputShape[a]
                    let s = tables[a][o]
                    if s < 0 { inside = false; break }
                    offset += s * inputStrides[a]
                    a -= 1
                }
                let dst = output + row * width
                guard inside else { dst.update(repeating: value, count: width); continue }
                let src = input + offset
                for x in 0..<width {
                    let s = columns[x]
                    dst[x] = s < 0 ? value : src[s]
                }
            }
        }
    }
}
