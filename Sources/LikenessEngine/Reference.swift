import Foundation

// MARK: - Reference

/// Naive, obviously-correct implementations of every operator, on ``Tensor`` values.
///
/// Used for constant folding at load (shape arithmetic, weight preprocessing) and as the
/// reference that the fast kernels are tested against. Speed does not matter here.
enum Reference {
    /// Evaluates one node. `inputs[i]` is nil for an omitted optional input.
    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        func input(_ i: Int) throws(EngineError) -> Tensor {
            guard i < inputs.count, let t = inputs[i] else {
                throw .shapeMismatch(node: node.label, op: node.opType, detail: "missing input \(i)")
            }
            return t
        }
        func fail(_ detail: String) -> EngineError { .shapeMismatch(node: node.label, op: node.opType, detail: detail) }

        if let definition = OperatorRegistry.definition(for: node.opType) {
            return try definition.evaluate(node, inputs)
        }
        switch node.opType {
        // MARK: Constants and shapes
        case "Constant":
            if case .tensor(let t)? = node.attributes["value"] { return [t] }
            if case .float(let f)? = node.attributes["value_float"] { return [Tensor(shape: [], floats: [f])] }
            if case .floats(let f)? = node.attributes["value_floats"] { return [Tensor(shape: [f.count], floats: f)] }
            if case .int(let i)? = node.attributes["value_int"] { return [Tensor(shape: [], ints: [i])] }
            if case .ints(let i)? = node.attributes["value_ints"] { return [Tensor(shape: [i.count], ints: i)] }
            throw EngineError.badAttribute(node: node.label, op: node.opType, detail: "Constant without a supported value attribute")
        case "Identity", "Dropout":
            return [try input(0)]
        case "Cast":
            let x = try input(0)
            switch node.int("to", default: 1) {
            case 6, 7, 9, 2, 3, 4, 5, 12, 13: return [Tensor(shape: x.shape, ints: x.ints)]
            default: return [Tensor(shape: x.shape, floats: x.floats)]
            }
        case "Shape":
            let x = try input(0)
            let rank = x.shape.count
            var start = node.int("start", default: 0), end = node.int("end", default: rank)
            if start < 0 { start += rank }
            if end < 0 { end += rank }
            start = min(max(start, 0), rank); end = min(max(end, start), rank)
            let dims = Array(x.shape[start..<end])
            return [Tensor(shape: [dims.count], ints: dims)]
        case "Size":
            return [Tensor(shape: [], ints: [try input(0).count])]
        case "ConstantOfShape":
            let shape = try input(0).ints
            let count = try Limits.elementCount(shape, what: "ConstantOfShape '\(node.label)'")
            if case .tensor(let v)? = node.attributes["value"], v.count == 1 {
                if v.isInteger { return [Tensor(shape: shape, ints: [Int](repeating: v.ints[0], count: count))] }
                return [Tensor(shape: shape, floats: [Float](repeating: v.floats[0], count: count))]
            }
            return [Tensor(shape: shape, floats: [Float](repeating: 0, count: count))]
        case "Range":
            let s = try input(0), l = try input(1), d = try input(2)
            if s.isInteger && l.isInteger && d.isInteger {
                let start = s.ints[0], limit = l.ints[0], delta = d.ints[0]
                guard delta != 0 else { throw fail("delta 0") }
                let n = max(0, (limit - start + delta - (delta > 0 ? 1 : -1)) / delta)
                _ = try Limits.elementCount([n], what: "Range '\(node.label)'")
                return [Tensor(shape: [n], ints: (0..<n).map { start + $0 * delta })]
            }
            let start = s.floats[0], limit = l.floats[0], delta = d.floats[0]
            guard delta != 0 else { throw fail("delta 0") }
            let n = max(0, Int(((limit - start) / delta).rounded(.up)))
            _ = try Limits.elementCount([n], what: "Range '\(node.label)'")
            return [Tensor(shape: [n], floats: (0..<n).map { start + Float($0) * delta })]
        case "Gather":
            let data = try input(0), indices = try input(1)
            let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: data.shape.count, node: node)
            let dim = data.shape[axis]
            let outer = data.shape[..<axis].reduce(1, *), inner = data.shape[(axis + 1)...].reduce(1, *)
            let idx = try indices.ints.map { (i: Int) throws(EngineError) -> Int in
                let j = i < 0 ? i + dim : i
                guard j >= 0, j < dim else { throw fail("index \(i) out of range for axis size \(dim)") }
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

        // MARK: Views
        case "Reshape":
            let x = try input(0)
            let shape = try ShapeMath.reshape(x.shape, target: try input(1).ints, allowZero: node.int("allowzero", default: 0) != 0, node: node)
            return [Tensor(shape: shape, storage: x.storage)]
        case "Flatten":
            let x = try input(0)
            let axis = node.int("axis", default: 1)
            let a = axis < 0 ? axis + x.shape.count : axis
            guard a >= 0, a <= x.shape.count else { throw fail("axis \(axis)") }
            return [Tensor(shape: [x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)], storage: x.storage)]
        case "Unsqueeze", "Squeeze":
            let x = try input(0)
            let shape = try squeezeShape(node, x.shape, axes: inputs.count > 1 ? inputs[1]?.ints : nil)
            return [Tensor(shape: shape, storage: x.storage)]

        // MARK: Copies
        case "Concat":
            let parts = try (0..<inputs.count).map { (i: Int) throws(EngineError) -> Tensor in try input(i) }
            guard let first = parts.first else { throw fail("no inputs") }
            let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: first.shape.count, node: node)
            var outShape = first.shape
            outShape[axis] = 0
            for p in parts {
                guard p.shape.count == first.shape.count else { throw fail("rank mismatch") }
                for a in 0..<p.shape.count where a != axis && p.shape[a] != first.shape[a] { throw fail("shape \(p.shape) vs \(first.shape)") }
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
        case "Split":
            let x = try input(0)
            let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: x.shape.count, node: node)
            let sizes = try splitSizes(node, dim: x.shape[axis], splitInput: inputs.count > 1 ? inputs[1]?.ints : nil)
            var results: [Tensor] = []
            var start = 0
            for s in sizes {
                let (shape, copy) = try SliceMath.slice(input: x.shape, starts: [start], ends: [start + s], axes: [axis], steps: nil, node: node)
                results.append(Tensor(shape: shape, storage: stridedCopy(x.storage, copy, count: shape.reduce(1, *))))
                start += s
            }
            return results
        case "Slice":
            let x = try input(0)
            let (shape, copy) = try SliceMath.slice(
                input: x.shape, starts: try input(1).ints, ends: try input(2).ints,
                axes: inputs.count > 3 ? inputs[3]?.ints : nil, steps: inputs.count > 4 ? inputs[4]?.ints : nil, node: node)
            return [Tensor(shape: shape, storage: stridedCopy(x.storage, copy, count: shape.reduce(1, *)))]
        case "Transpose":
            let x = try input(0)
            let copy = try transposeCopy(node, x.shape)
            return [Tensor(shape: copy.extent, storage: stridedCopy(x.storage, copy, count: x.count))]
        case "Expand":
            let x = try input(0)
            let shape = try ShapeMath.broadcast(x.shape, try input(1).ints, node: node)
            let count = try Limits.elementCount(shape, what: "Expand '\(node.label)'")
            let copy = CopyDescriptor(extent: shape, sourceOffset: 0, sourceStrides: ShapeMath.broadcastStrides(x.shape, to: shape), destinationOffset: 0, destinationStrides: ShapeMath.strides(shape))
            return [Tensor(shape: shape, storage: stridedCopy(x.storage, copy, count: count))]

        // MARK: Elementwise
        case "Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Equal", "PRelu", "Mod":
            let a = try input(0), b = try input(1)
            let shape = try ShapeMath.broadcast(a.shape, b.shape, node: node)
            let sa = ShapeMath.broadcastStrides(a.shape, to: shape), sb = ShapeMath.broadcastStrides(b.shape, to: shape)
            let count = shape.reduce(1, *)
            if a.isInteger && b.isInteger {
                let va = a.ints, vb = b.ints
                var out = [Int](repeating: 0, count: count)
                for (i, (ia, ib)) in broadcastOffsets(shape, sa, sb).enumerated() {
                    let x = va[ia], y = vb[ib]
                    switch node.opType {
                    case "Add": out[i] = x &+ y
                    case "Sub": out[i] = x &- y
                    case "Mul": out[i] = x &* y
                    case "Div": out[i] = y == 0 ? 0 : x / y
                    case "Min": out[i] = min(x, y)
                    case "Max": out[i] = max(x, y)
                    case "Equal": out[i] = x == y ? 1 : 0
                    case "PRelu": out[i] = x >= 0 ? x : x * y
                    case "Mod": out[i] = y == 0 ? 0 : (node.int("fmod", default: 0) != 0 ? x % y : ((x % y) + y) % y)
                    default: out[i] = Int(Foundation.pow(Double(x), Double(y)))
                    }
                }
                return [Tensor(shape: shape, ints: out)]
            }
            let va = a.floats, vb = b.floats
            var out = [Float](repeating: 0, count: count)
            for (i, (ia, ib)) in broadcastOffsets(shape, sa, sb).enumerated() {
                out[i] = binary(node.opType, va[ia], vb[ib])
            }
            if node.opType == "Equal" { return [Tensor(shape: shape, ints: out.map { Int($0) })] }
            return [Tensor(shape: shape, floats: out)]
        case "Where":
            let c = try input(0), x = try input(1), y = try input(2)
            let shape = try ShapeMath.broadcast(try ShapeMath.broadcast(c.shape, x.shape, node: node), y.shape, node: node)
            let sc = ShapeMath.broadcastStrides(c.shape, to: shape)
            let sx = ShapeMath.broadcastStrides(x.shape, to: shape), sy = ShapeMath.broadcastStrides(y.shape, to: shape)
            let cond = c.ints
            let xy = broadcastOffsets(shape, sx, sy)
            let cs = broadcastOffsets(shape, sc, sc)
            if x.isInteger && y.isInteger {
                let vx = x.ints, vy = y.ints
                return [Tensor(shape: shape, ints: (0..<xy.count).map { cond[cs[$0].0] != 0 ? vx[xy[$0].0] : vy[xy[$0].1] })]
            }
            let vx = x.floats, vy = y.floats
            return [Tensor(shape: shape, floats: (0..<xy.count).map { cond[cs[$0].0] != 0 ? vx[xy[$0].0] : vy[xy[$0].1] })]
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Softplus", "Neg", "Exp", "Sqrt", "Abs", "Floor", "Ceil":
            let x = try input(0)
            if x.isInteger, ["Floor", "Ceil", "Neg", "Abs"].contains(node.opType) {
                switch node.opType {
                case "Neg": return [Tensor(shape: x.shape, ints: x.ints.map { -$0 })]
                case "Abs": return [Tensor(shape: x.shape, ints: x.ints.map { abs($0) })]
                default: return [x]
                }
            }
            let f: (Float) -> Float
            if let act = Activation.fusable(node, constants: { name in
                guard let i = node.inputs.firstIndex(of: name), i < inputs.count else { return nil }
                return inputs[i]
            }) {
                f = act.apply
            } else {
                let alpha = node.float("alpha", default: 1)
                switch node.opType {
                case "Elu": f = { $0 >= 0 ? $0 : alpha * (Foundation.exp($0) - 1) }
                case "Softplus": f = { Foundation.log1p(Foundation.exp($0)) }
                case "Neg": f = { -$0 }
                case "Exp": f = { Foundation.exp($0) }
                case "Sqrt": f = { $0.squareRoot() }
                case "Abs": f = { Swift.abs($0) }
                case "Floor": f = { $0.rounded(.down) }
                case "Ceil": f = { $0.rounded(.up) }
                default: throw fail("cannot evaluate")
                }
            }
            return [Tensor(shape: x.shape, floats: x.floats.map(f))]

        // MARK: Linear algebra
        case "Gemm", "MatMul":
            return [try gemm(node, inputs)]
        case "Conv":
            return [try conv(node, try input(0), try input(1), inputs.count > 2 ? inputs[2] : nil)]
        case "ConvTranspose":
            return [try convTranspose(node, try input(0), try input(1), inputs.count > 2 ? inputs[2] : nil)]

        // MARK: Normalization
        case "BatchNormalization":
            let x = try input(0)
            let scale = try input(1).floats, bias = try input(2).floats, mean = try input(3).floats, variance = try input(4).floats
            let eps = node.float("epsilon", default: 1e-5)
            guard x.shape.count >= 2 else { throw fail("input rank < 2") }
            let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
            guard scale.count == c, bias.count == c, mean.count == c, variance.count == c else { throw fail("parameters do not have \(c) channels") }
            var v = x.floats
            for n in 0..<x.shape[0] { for ch in 0..<c {
                let s = scale[ch] / (variance[ch] + eps).squareRoot()
                for i in 0..<inner { let k = (n * c + ch) * inner + i; v[k] = (v[k] - mean[ch]) * s + bias[ch] }
            } }
            return [Tensor(shape: x.shape, floats: v)]
        case "InstanceNormalization":
            let x = try input(0)
            let scale = try input(1).floats, bias = try input(2).floats
            let eps = node.float("epsilon", default: 1e-5)
            guard x.shape.count >= 3 else { throw fail("input rank < 3") }
            let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
            guard scale.count == c, bias.count == c else { throw fail("parameters do not have \(c) channels") }
            var v = x.floats
            for n in 0..<x.shape[0] { for ch in 0..<c {
                let base = (n * c + ch) * inner
                var mean = 0.0, sq = 0.0
                for i in 0..<inner { mean += Double(v[base + i]) }
                mean /= Double(inner)
                for i in 0..<inner { let d = Double(v[base + i]) - mean; sq += d * d }
                let inv = 1 / (sq / Double(inner) + Double(eps)).squareRoot()
                for i in 0..<inner { v[base + i] = Float((Double(v[base + i]) - mean) * inv) * scale[ch] + bias[ch] }
            } }
            return [Tensor(shape: x.shape, floats: v)]

        // MARK: Resampling and pooling
        case "Resize", "Upsample":
            let x = try input(0)
            let (scales, sizes) = resizeInputs(node, inputs)
            let t = try ResizeTables(node: node, input: x.shape, scales: scales, sizes: sizes)
            return [resize(x, t)]
        case "GlobalAveragePool", "AveragePool", "MaxPool":
            let x = try input(0)
            return [pool(x, try PoolGeometry(node: node, input: x.shape))]
        default:
            throw .unsupportedOperator(op: node.opType, node: node.label, supported: Operators.supported)
        }
    }

    // MARK: Helpers

    static func binary(_ op: String, _ x: Float, _ y: Float) -> Float {
        switch op {
        case "Add": return x + y
        case "Sub": return x - y
        case "Mul": return x * y
        case "Div": return x / y
        case "Pow": return Foundation.pow(x, y)
        case "Min": return min(x, y)
        case "Max": return max(x, y)
        case "Equal": return x == y ? 1 : 0
        case "PRelu": return x >= 0 ? x : x * y
        case "Mod": return Foundation.fmod(x, y)
        default: return .nan
        }
    }

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

    static func squeezeShape(_ node: Node, _ shape: [Int], axes inputAxes: [Int]?) throws(EngineError) -> [Int] {
        let axes = inputAxes ?? node.ints("axes")
        if node.opType == "Unsqueeze" {
            guard let axes else { throw .badAttribute(node: node.label, op: node.opType, detail: "missing axes") }
            let rank = shape.count + axes.count
            var normalized: [Int] = []
            for a in axes { normalized.append(try ShapeMath.axis(a, rank: rank, node: node)) }
            var out: [Int] = []
            var it = shape.makeIterator()
            for i in 0..<rank { out.append(normalized.contains(i) ? 1 : (it.next() ?? 1)) }
            return out
        }
        guard let axes else { return shape.filter { $0 != 1 } }
        var normalized: [Int] = []
        for a in axes {
            let n = try ShapeMath.axis(a, rank: shape.count, node: node)
            guard shape[n] == 1 else { throw .shapeMismatch(node: node.label, op: node.opType, detail: "axis \(a) of \(shape) is not 1") }
            normalized.append(n)
        }
        return shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
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

    static func transposeCopy(_ node: Node, _ shape: [Int]) throws(EngineError) -> CopyDescriptor {
        let perm = node.ints("perm") ?? Array((0..<shape.count).reversed())
        guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "perm \(perm) for rank \(shape.count)")
        }
        let inStrides = ShapeMath.strides(shape)
        let outShape = perm.map { shape[$0] }
        return CopyDescriptor(extent: outShape, sourceOffset: 0, sourceStrides: perm.map { inStrides[$0] }, destinationOffset: 0, destinationStrides: ShapeMath.strides(outShape))
    }

    static func resizeInputs(_ node: Node, _ inputs: [Tensor?]) -> (scales: [Float]?, sizes: [Int]?) {
        if node.opType == "Upsample" {
            return (node.floats("scales") ?? (inputs.count > 1 ? inputs[1]?.floats : nil), nil)
        }
        let scales = inputs.count > 2 ? inputs[2]?.floats : nil
        let sizes = inputs.count > 3 ? inputs[3]?.ints : nil
        return (scales, sizes)
    }

    static func resize(_ x: Tensor, _ t: ResizeTables) -> Tensor {
        let v = x.floats
        let (n, c, h, w) = (t.inputShape[0], t.inputShape[1], t.inputShape[2], t.inputShape[3])
        let (oh, ow) = (t.outputShape[2], t.outputShape[3])
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        if t.cubic {
            for plane in 0..<(n * c) { for oy in 0..<oh { for ox in 0..<ow {
                var acc: Double = 0
                for i in 0..<4 { for j in 0..<4 {
                    acc += Double(t.yWeights[4 * oy + i]) * Double(t.xWeights[4 * ox + j])
                        * Double(v[(plane * h + t.yTaps[4 * oy + i]) * w + t.xTaps[4 * ox + j]])
                } }
                out[(plane * oh + oy) * ow + ox] = Float(acc)
            } } }
            return Tensor(shape: t.outputShape, floats: out)
        }
        for plane in 0..<(n * c) {
            for oy in 0..<oh { for ox in 0..<ow {
                let p = plane * h * w
                let a = v[p + t.y0[oy] * w + t.x0[ox]], b = v[p + t.y0[oy] * w + t.x1[ox]]
                let cc = v[p + t.y1[oy] * w + t.x0[ox]], d = v[p + t.y1[oy] * w + t.x1[ox]]
                let top = a + (b - a) * t.wx[ox], bottom = cc + (d - cc) * t.wx[ox]
                out[(plane * oh + oy) * ow + ox] = t.linear ? top + (bottom - top) * t.wy[oy] : a
            } }
        }
        return Tensor(shape: t.outputShape, floats: out)
    }

    static func pool(_ x: Tensor, _ g: PoolGeometry) -> Tensor {
        let v = x.floats
        var out = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        for plane in 0..<(g.batch * g.channels) {
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                var acc: Float = g.isMax ? -.infinity : 0
                var n = 0
                for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                    let iy = oy * g.strideY - g.padTop + ky, ix = ox * g.strideX - g.padLeft + kx
                    if iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth { if g.countIncludePad { n += 1 }; continue }
                    let value = v[(plane * g.inputHeight + iy) * g.inputWidth + ix]
                    if g.isMax { acc = max(acc, value) } else { acc += value }
                    n += 1
                } }
                out[(plane * g.outputHeight + oy) * g.outputWidth + ox] = g.isMax ? acc : acc / Float(max(n, 1))
            } }
        }
        return Tensor(shape: g.outputShape, floats: out)
    }

    static func gemm(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> Tensor {
        guard inputs.count >= 2, let a = inputs[0], let b = inputs[1] else {
            throw .shapeMismatch(node: node.label, op: node.opType, detail: "needs two inputs")
        }
        let p = try MatMulShape(node: node, a: a.shape, b: b.shape, c: inputs.count > 2 ? inputs[2]?.shape : nil)
        let va = a.floats, vb = b.floats
        var out = [Float](repeating: 0, count: p.outputShape.reduce(1, *))
        for batch in 0..<p.batch {
            let ao = p.aBatchStride * batch, bo = p.bBatchStride * batch, co = batch * p.m * p.n
            for i in 0..<p.m { for j in 0..<p.n {
                var acc: Double = 0
                for k in 0..<p.k {
                    let x = p.transA ? va[ao + k * p.m + i] : va[ao + i * p.k + k]
                    let y = p.transB ? vb[bo + j * p.k + k] : vb[bo + k * p.n + j]
                    acc += Double(x) * Double(y)
                }
                out[co + i * p.n + j] = Float(acc) * p.alpha
            } }
        }
        if let c = inputs.count > 2 ? inputs[2] : nil {
            let cs = ShapeMath.broadcastStrides(c.shape, to: [p.m, p.n]), cv = c.floats
            for i in 0..<p.m { for j in 0..<p.n { out[i * p.n + j] += p.beta * cv[i * cs[0] + j * cs[1]] } }
        }
        return Tensor(shape: p.outputShape, floats: out)
    }

    static func conv(_ node: Node, _ x: Tensor, _ w: Tensor, _ bias: Tensor?) throws(EngineError) -> Tensor {
        let g = try ConvGeometry(node: node, input: x.shape, weight: w.shape, transposed: false)
        let xv = x.floats, wv = w.floats, bv = bias?.floats
        let cig = g.inputChannelsPerGroup, cog = g.outputChannelsPerGroup
        var out = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        for n in 0..<g.batch { for m in 0..<g.outputChannels {
            let group = m / cog
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                var acc: Double = bv.map { Double($0[m]) } ?? 0
                for ci in 0..<cig { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                    let iy = oy * g.strideY - g.padTop + ky * g.dilationY, ix = ox * g.strideX - g.padLeft + kx * g.dilationX
                    guard iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth else { continue }
                    let c = group * cig + ci
                    acc += Double(xv[((n * g.inputChannels + c) * g.inputHeight + iy) * g.inputWidth + ix])
                        * Double(wv[((m * cig + ci) * g.kernelHeight + ky) * g.kernelWidth + kx])
                } } }
                out[((n * g.outputChannels + m) * g.outputHeight + oy) * g.outputWidth + ox] = Float(acc)
            } }
        } }
        return Tensor(shape: g.outputShape, floats: out)
    }

    static func convTranspose(_ node: Node, _ x: Tensor, _ w: Tensor, _ bias: Tensor?) throws(EngineError) -> Tensor {
        let g = try ConvGeometry(node: node, input: x.shape, weight: w.shape, transposed: true)
        let xv = x.floats, wv = w.floats
        let cig = g.inputChannelsPerGroup, cog = g.outputChannelsPerGroup
        var acc = [Double](repeating: 0, count: g.outputShape.reduce(1, *))
        for n in 0..<g.batch { for c in 0..<g.inputChannels {
            let group = c / cig
            for iy in 0..<g.inputHeight { for ix in 0..<g.inputWidth {
                let xval = Double(xv[((n * g.inputChannels + c) * g.inputHeight + iy) * g.inputWidth + ix])
                for mo in 0..<cog { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                    let oy = iy * g.strideY - g.padTop + ky * g.dilationY, ox = ix * g.strideX - g.padLeft + kx * g.dilationX
                    guard oy >= 0, oy < g.outputHeight, ox >= 0, ox < g.outputWidth else { continue }
                    let m = group * cog + mo
                    acc[((n * g.outputChannels + m) * g.outputHeight + oy) * g.outputWidth + ox] +=
                        xval * Double(wv[((c * cog + mo) * g.kernelHeight + ky) * g.kernelWidth + kx])
                } } }
            } }
        } }
        if let bv = bias?.floats {
            let plane = g.outputHeight * g.outputWidth
            for i in 0..<acc.count { acc[i] += Double(bv[(i / plane) % g.outputChannels]) }
        }
        return Tensor(shape: g.outputShape, floats: acc.map { Float($0) })
    }
}

// MARK: - MatMulShape

/// Shapes of Gemm (2-D, optional transposes) and MatMul (batched, B may be 2-D).
struct MatMulShape: Equatable, Sendable {
    var m: Int, n: Int, k: Int
    var batch: Int
    var aBatchStride: Int, bBatchStride: Int
    var transA: Bool, transB: Bool
    var alpha: Float, beta: Float
    var outputShape: [Int]

    init(node: Node, a: [Int], b: [Int], c: [Int]?) throws(EngineError) {
        func fail(_ d: String) -> EngineError { .shapeMismatch(node: node.label, op: node.opType, detail: d) }
        if node.opType == "Gemm" {
            guard a.count == 2, b.count == 2 else { throw fail("Gemm needs 2-D inputs, got \(a) and \(b)") }
            transA = node.int("transA", default: 0) != 0
            transB = node.int("transB", default: 0) != 0
            alpha = node.float("alpha", default: 1)
            beta = node.float("beta", default: 1)
            m = transA ? a[1] : a[0]
            k = transA ? a[0] : a[1]
            let kb = transB ? b[1] : b[0]
            n = transB ? b[0] : b[1]
            guard k == kb else { throw fail("inner dimensions \(a) x \(b) differ") }
            batch = 1; aBatchStride = 0; bBatchStride = 0
            outputShape = [m, n]
            if let c { _ = try ShapeMath.broadcast(c, [m, n], node: node); guard c.count <= 2 else { throw fail("bias \(c)") } }
        } else {
            guard a.count >= 2, b.count >= 2 else { throw fail("MatMul with 1-D operands is not supported (\(a) x \(b))") }
            transA = false; transB = false; alpha = 1; beta = 0
            m = a[a.count - 2]; k = a[a.count - 1]
            guard b[b.count - 2] == k else { throw fail("inner dimensions \(a) x \(b) differ") }
            n = b[b.count - 1]
            let aBatch = a.dropLast(2).reduce(1, *), bBatch = b.dropLast(2).reduce(1, *)
            guard bBatch == 1 || bBatch == aBatch, aBatch == 1 || bBatch == 1 || a.dropLast(2) == b.dropLast(2) else {
                throw fail("batched MatMul broadcasting \(a) x \(b) is not supported")
            }
            batch = max(aBatch, bBatch)
            aBatchStride = aBatch == 1 ? 0 : m * k
            bBatchStride = bBatch == 1 ? 0 : k * n
            outputShape = Array((aBatch >= bBatch ? a : b).dropLast(2)) + [m, n]
        }
        _ = try Limits.elementCount(outputShape, what: "\(node.opType) '\(node.label)' output")
    }
}
