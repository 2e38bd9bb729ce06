import CBLAS
import Foundation
import LikenessKernels

// MARK: - Gemm

/// Gemm (2-D, transposes, alpha, beta, bias C) and MatMul (batched, B may be 2-D): either operand
/// a constant or a live value. A constant `Add` that ``Fusion`` attached to a MatMul becomes its
/// bias matrix when the product is a single [M, N] matrix.
enum Gemm: OperatorDefinition {
    static let opTypes = ["Gemm", "MatMul"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        [try reference(node, inputs)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let aName = node.input(0), let bName = node.input(1) else { throw node.shapeError("needs two inputs") }
        let aShape = try lowering.shape(of: aName, node), bShape = try lowering.shape(of: bName, node)
        let cTensor = lowering.constantValue(node.input(2))
        if node.input(2) != nil && cTensor == nil {
            throw .unsupportedOperator(op: "Gemm with a latent-dependent C", node: node.label, supported: OperatorRegistry.opTypes.sorted())
        }
        let shape = try MatMulShape(node: node, a: aShape, b: bShape, c: cTensor?.shape)
        var biasMatrix: [Float]? = cTensor.map { bias(shape, $0, scale: shape.beta) }
        var outName = node.outputs[0]
        var activation = node.activation
        if let add = node.addend.first {
            // MatMul + constant Add → bias, when the product is one [M, N] matrix.
            let other = add.inputs.first(where: { $0 != node.outputs[0] })
            guard shape.batch == 1, shape.outputShape.count == 2, let c = lowering.constantValue(other), !c.isInteger, c.shape.count <= 2,
                  (try? ShapeMath.broadcast(c.shape, [shape.m, shape.n], node: add)) == [shape.m, shape.n] else {
                return try lowering.lowerUnfused(node)
            }
            biasMatrix = bias(shape, c, scale: 1)
            outName = add.outputs[0]
            activation = add.activation
        }
        let a = lowering.constantValue(aName), b = lowering.constantValue(bName)
        let aID = a == nil ? try lowering.buffer(of: aName, node) : -1
        let bID = b == nil ? try lowering.buffer(of: bName, node) : -1
        let outBuffer = try lowering.newOutput(shape.outputShape, node)
        lowering.append(GemmStep(
            name: node.label, opType: node.opType, shape: shape,
            aID: aID, aConstant: a?.floats, bID: bID, bConstant: b?.floats,
            biasMatrix: biasMatrix, activation: activation, outputID: outBuffer))
        lowering.defineRuntime(outName, shape: shape.outputShape, buffer: outBuffer)
    }

    /// `scale · c` broadcast to the full [M, N] matrix.
    static func bias(_ shape: MatMulShape, _ c: Tensor, scale: Float) -> [Float] {
        let strides = ShapeMath.broadcastStrides(c.shape, to: [shape.m, shape.n])
        let cv = c.floats
        var full = [Float](repeating: 0, count: shape.m * shape.n)
        for i in 0..<shape.m { for j in 0..<shape.n { full[i * shape.n + j] = scale * cv[i * strides[0] + j * strides[1]] } }
        return full
    }

    /// The naive reference, accumulating in Double.
    static func reference(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> Tensor {
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

// MARK: - Gemm / MatMul

/// Gemm or MatMul with an optional precomputed bias matrix and fused activation.
///
/// Either operand may be a constant (owned) or a live buffer. Output [batch…, M, N].
final class GemmStep: Step {
    let shape: MatMulShape
    let aID: Int, bID: Int, outputID: Int
    let aConstant: OwnedFloats?, bConstant: OwnedFloats?
    let biasMatrix: OwnedFloats?
    let activation: Activation
    var a = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var b = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var output = UnsafeMutablePointer<Float>(bitPattern: 16)!

    init(name: String, opType: String, shape: MatMulShape, aID: Int, aConstant: [Float]?, bID: Int, bConstant: [Float]?, biasMatrix: [Float]?, activation: Activation, outputID: Int) {
        self.shape = shape
        self.aID = aID
        self.bID = bID
        self.aConstant = aConstant.map(OwnedFloats.init)
        self.bConstant = bConstant.map(OwnedFloats.init)
        self.biasMatrix = biasMatrix.map(OwnedFloats.init)
        self.activation = activation
        self.outputID = outputID
        super.init(name: name, opType: opType)
        flops = 2 * Double(shape.m * shape.n * shape.k * shape.batch)
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
        let s = shape
        for batch in 0..<s.batch {
            let c = output + batch * s.m * s.n
            BLAS.sgemm(
                transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: s.alpha,
                a: a + batch * s.aBatchStride, lda: s.transA ? s.m : s.k,
                b: b + batch * s.bBatchStride, ldb: s.transB ? s.k : s.n,
                c: c, ldc: s.n)
            if let bias = biasMatrix {
                BinaryOperator.add.row(c, 1, bias.pointer, 1, c, s.m * s.n)
            }
            activation.applyInPlace(c, count: s.m * s.n)
        }
    }
}
