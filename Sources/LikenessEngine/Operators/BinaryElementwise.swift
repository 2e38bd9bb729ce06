import Foundation

// MARK: - BinaryElementwise

/// The broadcasting binary operators: Add, Sub, Mul, Div, Pow, Min, Max and PRelu on live
/// values (one ``BinaryStep``, the activation in its epilogue); Equal and Mod only on constants.
enum BinaryElementwise: OperatorDefinition {
    static let opTypes = ["Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "PRelu", "Equal", "Mod"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let a = try node.required(inputs, 0), b = try node.required(inputs, 1)
        let shape = try ShapeMath.broadcast(a.shape, b.shape, node: node)
        let sa = ShapeMath.broadcastStrides(a.shape, to: shape), sb = ShapeMath.broadcastStrides(b.shape, to: shape)
        let count = shape.reduce(1, *)
        if a.isInteger && b.isInteger {
            let va = a.ints, vb = b.ints
            var out = [Int](repeating: 0, count: count)
            for (i, (ia, ib)) in Reference.broadcastOffsets(shape, sa, sb).enumerated() {
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
        for (i, (ia, ib)) in Reference.broadcastOffsets(shape, sa, sb).enumerated() {
            out[i] = binary(node.opType, va[ia], vb[ib])
        }
        if node.opType == "Equal" { return [Tensor(shape: shape, ints: out.map { Int($0) })] }
        return [Tensor(shape: shape, floats: out)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let aName = node.input(0), let bName = node.input(1), let binary = BinaryOperator(node.opType) else {
            if BinaryOperator(node.opType) == nil {
                throw .unsupportedOperator(op: "\(node.opType) on a latent-dependent value", node: node.label, supported: OperatorRegistry.opTypes.sorted())
            }
            throw node.shapeError("needs two inputs")
        }
        guard node.inputs.count == 2 else { throw node.shapeError("only two-input \(node.opType) is supported") }
        let a = lowering.constantValue(aName), b = lowering.constantValue(bName)
        if a?.isInteger == true || b?.isInteger == true { throw node.shapeError("mixes integer constants with float values") }
        let aShape = try lowering.shape(of: aName, node)
        var bShape = try lowering.shape(of: bName, node)
        // PRelu's slope [C] (or [C,1,1]) broadcasts over channels of [N, C, H, W].
        if node.opType == "PRelu", aShape.count >= 3, bShape.count >= 1, bShape.reduce(1, *) == aShape[1],
           bShape.count < aShape.count - 1 || bShape == [aShape[1]] {
            bShape = [aShape[1]] + [Int](repeating: 1, count: aShape.count - 2)
        }
        let outShape = try ShapeMath.broadcast(aShape, bShape, node: node)
        let outBuffer = try lowering.newOutput(outShape, node)
        guard BinaryStep.collapsedRank(outputShape: outShape, aShape: aShape, bShape: bShape) <= 4 else {
            throw node.shapeError("broadcasting \(aShape) with \(bShape) is too irregular (more than 4 axis groups)")
        }
        let aID = a == nil ? try lowering.buffer(of: aName, node) : -1
        let bID = b == nil ? try lowering.buffer(of: bName, node) : -1
        lowering.append(BinaryStep(
            name: node.label, opType: node.opType, op: binary, outputShape: outShape, aShape: aShape, bShape: bShape,
            aID: aID, aConstant: a?.floats, bID: bID, bConstant: b?.floats,
            activation: node.activation, outputID: outBuffer, parts: lowering.parts))
        lowering.defineRuntime(node.outputs[0], shape: outShape, buffer: outBuffer)
    }

    /// The scalar definition on floats (the reference for the kernels).
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
}

/// A broadcasting binary operator, shapes collapsed to 4-D: out[i0,i1,i2,i3] = a[…] op b[…].
final class BinaryStep: Step {
    let op: BinaryOperator
    let activation: Activation
    let extent: [Int]          // 4 entries
    let aStrides: [Int], bStrides: [Int]
    let aID: Int, bID: Int, outputID: Int
    let aConstant: OwnedFloats?, bConstant: OwnedFloats?
    var a = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var b = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var output = UnsafeMutablePointer<Float>(bitPattern: 16)!

    init(name: String, opType: String, op: BinaryOperator, outputShape: [Int], aShape: [Int], bShape: [Int], aID: Int, aConstant: [Float]?, bID: Int, bConstant: [Float]?, activation: Activation, outputID: Int, parts: Int) {
        // Collapse the broadcast shapes to at most 4 axes.
        var e: [Int] = [], sa: [Int] = [], sb: [Int] = []
        let fa = ShapeMath.broadcastStrides(aShape, to: outputShape), fb = ShapeMath.broadcastStrides(bShape, to: outputShape)
        for i in 0..<outputShape.count where outputShape[i] != 1 {
            if let last = e.indices.last, sa[last] == fa[i] * outputShape[i], sb[last] == fb[i] * outputShape[i] {
                e[last] *= outputShape[i]; sa[last] = fa[i]; sb[last] = fb[i]
            } else {
                e.append(outputShape[i]); sa.append(fa[i]); sb.append(fb[i])
            }
        }
        while e.count < 4 { e.insert(1, at: 0); sa.insert(0, at: 0); sb.insert(0, at: 0) }
        precondition(e.count == 4, "BinaryStep supports up to 4 broadcast groups; the planner checks this")
        extent = e; aStrides = sa; bStrides = sb
        self.op = op
        self.activation = activation
        self.aID = aID; self.bID = bID; self.outputID = outputID
        self.aConstant = aConstant.map(OwnedFloats.init)
        self.bConstant = bConstant.map(OwnedFloats.init)
        super.init(name: name, opType: opType)
        let count = outputShape.reduce(1, *)
        flops = Double(count)
        parallel = parts > 1 && count >= 32768
    }

    /// Whether two shapes broadcast to at most 4 collapsed groups.
    static func collapsedRank(outputShape: [Int], aShape: [Int], bShape: [Int]) -> Int {
        var rank = 0
        var lastA = -1, lastB = -1
        let fa = ShapeMath.broadcastStrides(aShape, to: outputShape), fb = ShapeMath.broadcastStrides(bShape, to: outputShape)
        for i in 0..<outputShape.count where outputShape[i] != 1 {
            if rank > 0, lastA == fa[i] * outputShape[i], lastB == fb[i] * outputShape[i] {
                lastA = fa[i]; lastB = fb[i]
            } else {
                rank += 1; lastA = fa[i]; lastB = fb[i]
            }
        }
        return rank
    }

    override var reads: [Int] { [aID, bID].filter { $0 >= 0 } }
    override var writes: [Int] { [outputID] }

    override func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        super.bind(resolve)
        a = aConstant?.pointer ?? resolve(aID)
        b = bConstant?.pointer ?? resolve(bID)
        output = resolve(outputID)
    }

    override func run(part: Int, of parts: Int) {
        let outer = extent[0] * extent[1] * extent[2]
        let n3 = extent[3]
        for o in Step.range(outer, part: part, of: parts) {
            let i2 = o % extent[2], i1 = (o / extent[2]) % extent[1], i0 = o / (extent[2] * extent[1])
            let pa = a + i0 * aStrides[0] + i1 * aStrides[1] + i2 * aStrides[2]
            let pb = b + i0 * bStrides[0] + i1 * bStrides[1] + i2 * bStrides[2]
            let po = output + o * n3
            if (aStrides[3] <= 1) && (bStrides[3] <= 1) {
                op.row(pa, aStrides[3], pb, bStrides[3], po, n3)
            } else {
                for i in 0..<n3 { po[i] = op.apply(pa[i * aStrides[3]], pb[i * bStrides[3]]) }
            }
            activation.applyInPlace(po, count: n3)
        }
    }
}
