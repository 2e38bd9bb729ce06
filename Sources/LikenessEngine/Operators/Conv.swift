import CBLAS
import Foundation
import LikenessKernels

// MARK: - Conv

/// Conv (2-D, groups, dilations, pads or auto_pad) with constant weights: input [N, C, H, W],
/// weight [M, C/g, kH, kW], bias [M] → [N, M, OH, OW].
///
/// Lowered to a ``ConvStep`` (im2col + packed GEMM with the bias and activation in its epilogue)
/// or, for 3x3 stride 1, to Winograd F(2x2, 3x3) (`Conv+Winograd.swift`). A channel gate that
/// ``Fusion`` attached is applied as the kernel reads its input.
enum Conv: OperatorDefinition {
    static let opTypes = ["Conv"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        [try reference(node, try node.required(inputs, 0), try node.required(inputs, 1), inputs.count > 2 ? inputs[2] : nil)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        try lowerConvolution(node, transposed: false, &lowering)
    }

    /// Lowers a Conv or ConvTranspose: weights and bias from constants, the fused activation and gate.
    static func lowerConvolution(_ node: Node, transposed: Bool, _ lowering: inout Planner) throws(EngineError) {
        var featureName = node.input(0)
        var gateBuffer = -1
        if let gate = node.inputGate.first {
            guard let (feature, gateName) = try acceptedGate(gate, consumer: node, transposed: transposed, lowering) else {
                // The shapes say no: the Mul runs on its own and the convolution reads its product.
                try BinaryElementwise.lower(gate, &lowering)
                var plain = node
                plain.inputGate = []
                return try lowerConvolution(plain, transposed: transposed, &lowering)
            }
            featureName = feature
            gateBuffer = try lowering.buffer(of: gateName, node)
        }
        guard let featureName else { throw node.shapeError("missing input 0") }
        let x = try lowering.shape(of: featureName, node)
        guard let weight = lowering.constantValue(node.input(1)), !weight.isInteger else {
            throw .unsupportedOperator(op: "\(node.opType) with latent-dependent weights", node: node.label, supported: OperatorRegistry.opTypes.sorted())
        }
        let g = try ConvGeometry(node: node, input: x, weight: weight.shape, transposed: transposed)
        var bias = [Float](repeating: 0, count: g.outputChannels)
        if let biasName = node.input(2) {
            guard let b = lowering.constantValue(biasName), b.count == g.outputChannels else {
                throw node.shapeError("bias must be a constant of \(g.outputChannels) values")
            }
            bias = b.floats
        }
        let inputBuffer = try lowering.buffer(of: featureName, node)
        let outBuffer = try lowering.newOutput(g.outputShape, node)
        if !transposed, gateBuffer < 0, lowering.winograd, let kernels = lowering.kernels, WinogradProductStep.accepts(g, kernels: kernels) {
            // Winograd F(2x2, 3x3): an input transform into the arena, then GEMMs + output transform.
            let transformedBuffer = lowering.newBuffer(WinogradInputStep.transformedCount(g))
            lowering.append(WinogradInputStep(name: node.label, geometry: g, inputID: inputBuffer, outputID: transformedBuffer, parts: lowering.parts, kernels: kernels))
            lowering.append(WinogradProductStep(name: node.label, geometry: g, weights: weight.floats, bias: bias, activation: node.activation,
                                                inputID: transformedBuffer, outputID: outBuffer, parts: lowering.parts, kernels: kernels))
            lowering.defineRuntime(node.outputs[0], shape: g.outputShape, buffer: outBuffer)
            return
        }
        let step: SingleInputStep = transposed
            ? ConvTransposeStep(name: node.label, geometry: g, weights: weight.floats, bias: bias, activation: node.activation,
                                inputID: inputBuffer, outputID: outBuffer, parts: lowering.parts, kernels: lowering.kernels)
            : ConvStep(name: node.label, geometry: g, weights: weight.floats, bias: bias, activation: node.activation,
                       inputID: inputBuffer, outputID: outBuffer, parts: lowering.parts, kernels: lowering.kernels)
        step.inputScaleID = gateBuffer
        lowering.append(step)
        lowering.defineRuntime(node.outputs[0], shape: g.outputShape, buffer: outBuffer)
    }

    /// For a gate `Mul(a, b)`: the feature map [N, C, H, W] and the gate [N, C, 1, 1] (either
    /// order), when the convolution's kernel can scale its input channels itself.
    static func acceptedGate(_ mul: Node, consumer: Node, transposed: Bool, _ lowering: Planner) throws(EngineError) -> (feature: String, gate: String)? {
        guard let kernels = lowering.kernels, let a = mul.input(0), let b = mul.input(1),
              !lowering.isConstant(a), !lowering.isConstant(b) else { return nil }
        let sa = try lowering.shape(of: a, mul), sb = try lowering.shape(of: b, mul)
        guard sa.count == 4, sb.count == 4 else { return nil }
        let (x, xs, gate, gs) = sb[2] == 1 && sb[3] == 1 ? (a, sa, b, sb) : (b, sb, a, sa)
        guard gs == [xs[0], xs[1], 1, 1], xs[2] * xs[3] > 1,
              let weight = lowering.constantValue(consumer.input(1)),
              let g = try? ConvGeometry(node: consumer, input: xs, weight: weight.shape, transposed: transposed) else { return nil }
        let accepted = transposed ? ConvTransposeStep.acceptsInputScale(g, kernels: kernels) : ConvStep.acceptsInputScale(g, kernels: kernels)
        return accepted ? (x, gate) : nil
    }

    /// The naive reference: input [N, C, H, W], weight [M, C/g, kH, kW], bias [M].
    static func reference(_ node: Node, _ x: Tensor, _ w: Tensor, _ bias: Tensor?) throws(EngineError) -> Tensor {
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

}

// MARK: - Convolution parameters

/// Geometry of a 2-D Conv or ConvTranspose, validated at load.
///
/// Conv: input [N, C, H, W], weight [M, C/group, kH, kW], output [N, M, OH, OW].
/// ConvTranspose: input [N, C, H, W], weight [C, M/group, kH, kW], output [N, M, OH, OW].
struct ConvGeometry: Equatable, Sendable {
    var batch: Int
    var inputChannels: Int
    var outputChannels: Int
    var inputHeight: Int, inputWidth: Int
    var outputHeight: Int, outputWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideY: Int, strideX: Int
    var padTop: Int, padLeft: Int
    var dilationY: Int, dilationX: Int
    var groups: Int

    var outputShape: [Int] { [batch, outputChannels, outputHeight, outputWidth] }
    var inputChannelsPerGroup: Int { inputChannels / groups }
    var outputChannelsPerGroup: Int { outputChannels / groups }
    /// Multiply-adds ×2 per image.
    var flopsPerImage: Double {
        let convolutionPositions = Double(transposed ? inputHeight * inputWidth : outputHeight * outputWidth)
        return 2 * Double(inputChannelsPerGroup) * Double(outputChannels) * Double(kernelHeight * kernelWidth) * convolutionPositions
    }
    var transposed: Bool

    init(node: Node, input: [Int], weight: [Int], transposed: Bool) throws(EngineError) {
        func fail(_ detail: String) -> EngineError { .shapeMismatch(node: node.label, op: node.opType, detail: detail) }
        guard input.count == 4 else { throw fail("only 2-D convolutions are supported, input shape is \(input)") }
        guard weight.count == 4 else { throw fail("weight shape \(weight) is not 4-D") }
        let groups = node.int("group", default: 1)
        guard groups >= 1 else { throw .badAttribute(node: node.label, op: node.opType, detail: "group \(groups)") }
        self.transposed = transposed
        self.groups = groups
        batch = input[0]
        inputChannels = input[1]
        inputHeight = input[2]
        inputWidth = input[3]
        kernelHeight = weight[2]
        kernelWidth = weight[3]
        if let ks = node.ints("kernel_shape"), ks != [kernelHeight, kernelWidth] {
            throw fail("kernel_shape \(ks) does not match weight \(weight)")
        }
        if transposed {
            guard weight[0] == inputChannels else { throw fail("weight \(weight) expects \(weight[0]) input channels, input has \(inputChannels)") }
            outputChannels = weight[1] * groups
        } else {
            guard weight[1] * groups == inputChannels else { throw fail("weight \(weight) with group \(groups) expects \(weight[1] * groups) input channels, input has \(inputChannels)") }
            outputChannels = weight[0]
        }
        guard inputChannels % groups == 0, outputChannels % groups == 0 else { throw fail("channels not divisible by group \(groups)") }
        let strides = node.ints("strides") ?? [1, 1]
        let dilations = node.ints("dilations") ?? [1, 1]
        var pads = node.ints("pads") ?? [0, 0, 0, 0]
        guard strides.count == 2, dilations.count == 2, pads.count == 4,
              strides.allSatisfy({ $0 >= 1 && $0 <= 64 }), dilations.allSatisfy({ $0 >= 1 && $0 <= 64 }),
              pads.allSatisfy({ $0 >= 0 && $0 <= 4096 }), kernelHeight >= 1, kernelWidth >= 1
        else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "strides \(strides), dilations \(dilations), pads \(pads) are invalid or not 2-D")
        }
        strideY = strides[0]; strideX = strides[1]
        dilationY = dilations[0]; dilationX = dilations[1]
        let extentY = (kernelHeight - 1) * dilationY + 1
        let extentX = (kernelWidth - 1) * dilationX + 1
        let autoPad = node.string("auto_pad", default: "NOTSET")
        if transposed {
            let outputPadding = node.ints("output_padding") ?? [0, 0]
            guard outputPadding.count == 2, outputPadding.allSatisfy({ $0 >= 0 && $0 < 64 }) else {
                throw .badAttribute(node: node.label, op: node.opType, detail: "output_padding \(outputPadding)")
            }
            let full = [strideY * (inputHeight - 1) + outputPadding[0] + extentY,
                        strideX * (inputWidth - 1) + outputPadding[1] + extentX]
            var target: [Int]? = node.ints("output_shape").map { Array($0.suffix(2)) }
            if target == nil, autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                target = [inputHeight * strideY, inputWidth * strideX]
            }
            if let target {
                for axis in 0..<2 {
                    let total = full[axis] - target[axis]
                    guard total >= 0 else { throw fail("output_shape \(target) is larger than the full output \(full)") }
                    if autoPad == "SAME_UPPER" {
                        pads[axis] = total / 2; pads[axis + 2] = total - total / 2
                    } else {
                        pads[axis] = total - total / 2; pads[axis + 2] = total / 2
                    }
                }
            } else if autoPad == "VALID" {
                pads = [0, 0, 0, 0]
            }
            outputHeight = full[0] - pads[0] - pads[2]
            outputWidth = full[1] - pads[1] - pads[3]
        } else {
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let outs = [(inputHeight + strideY - 1) / strideY, (inputWidth + strideX - 1) / strideX]
                let extents = [extentY, extentX], ins = [inputHeight, inputWidth], ss = [strideY, strideX]
                for axis in 0..<2 {
                    let total = max(0, (outs[axis] - 1) * ss[axis] + extents[axis] - ins[axis])
                    if autoPad == "SAME_UPPER" {
                        pads[axis] = total / 2; pads[axis + 2] = total - total / 2
                    } else {
                        pads[axis] = total - total / 2; pads[axis + 2] = total / 2
                    }
                }
            case "VALID": pads = [0, 0, 0, 0]
            default: break
            }
            outputHeight = (inputHeight + pads[0] + pads[2] - extentY) / strideY + 1
            outputWidth = (inputWidth + pads[1] + pads[3] - extentX) / strideX + 1
            guard inputHeight + pads[0] + pads[2] >= extentY, inputWidth + pads[1] + pads[3] >= extentX else {
                throw fail("kernel \(kernelHeight)x\(kernelWidth) is larger than the padded input \(inputHeight)x\(inputWidth)")
            }
        }
        padTop = pads[0]; padLeft = pads[1]
        guard outputHeight >= 1, outputWidth >= 1 else { throw fail("output would be \(outputHeight)x\(outputWidth)") }
        _ = try Limits.elementCount(outputShape, what: "\(node.opType) '\(node.label)' output")
    }
}

// MARK: - Convolution

/// Conv with folded BatchNorm, bias and activation: im2col (skipped for 1x1) + GEMM + epilogue.
///
/// input [N, C, H, W], weight [M, C/g, kH, kW] stored as [g][M/g, K] with K = C/g·kH·kW,
/// output [N, M, OH, OW]. Work is split across threads by output columns (OH·OW). With packed
/// kernels (AVX2/AVX-512) the weights are packed at load and the bias and activation are applied
/// in registers; otherwise OpenBLAS sgemm and a separate epilogue pass. Up to 4 output channels
/// with stride 1 (the RGB layer) run a direct convolution instead.
final class ConvStep: SingleInputStep {
    let g: ConvGeometry
    let weights: OwnedFloats
    let bias: OwnedFloats
    let activation: Activation
    let direct: Bool
    /// One output pixel whose window is the whole unpadded input (a skip-layer excitation's 4x4
    /// kernel on a 4x4 map): the im2col column is the input itself, read in place.
    let wholeInput: Bool
    let k: Int
    let tileColumns: Int
    let parts: Int
    /// Whether to run sgemm on the transposed problem (few output channels, many columns).
    let transposedProduct: Bool
    /// Direct SIMD convolution for ≤ 4 output channels (the final RGB layer), no im2col.
    let smallDirect: Bool
    /// ``DirectConvolution`` compiled for this CPU (stride 1, rows of 16+ outputs), no im2col.
    let packedDirect: Bool
    /// Length of the zero-padded input row used by the direct kernel.
    let paddedWidth: Int
    /// Floats of scratch per part: the im2col tile plus, for the transposed product, its result.
    private(set) var scratchPerPart: Int
    /// The packed-weight GEMM (weights packed per group at load); nil: OpenBLAS on `weights`.
    let packed: PackedKernels?
    let packedWeights: OwnedFloats?
    let packedGroupStride: Int
    /// What the packed GEMM applies in registers, and what is left for afterwards.
    let epilogue: LinearEpilogue
    let activationAfter: Activation

    init(name: String, geometry: ConvGeometry, weights: [Float], bias: [Float], activation: Activation, inputID: Int, outputID: Int, parts: Int, kernels: PackedKernels?) {
        g = geometry
        self.weights = OwnedFloats(weights)
        self.bias = OwnedFloats(bias)
        self.activation = activation
        self.parts = parts
        k = g.inputChannelsPerGroup * g.kernelHeight * g.kernelWidth
        direct = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideY == 1 && g.strideX == 1 && g.padTop == 0 && g.padLeft == 0
            && g.outputHeight == g.inputHeight && g.outputWidth == g.inputWidth
        wholeInput = g.outputHeight == 1 && g.outputWidth == 1 && g.kernelHeight == g.inputHeight && g.kernelWidth == g.inputWidth
            && g.padTop == 0 && g.padLeft == 0 && g.dilationY == 1 && g.dilationX == 1
        // Keep one im2col tile around 256 KiB so it stays in L2 while sgemm reads it.
        let columns = g.outputHeight * g.outputWidth
        let perPart = (columns + parts - 1) / parts
        // With packed kernels, one im2col tile is exactly one micro-kernel block, read in place.
        tileColumns = kernels.map { $0.table.tileColumns } ?? max(16, min(perPart, (64 * 1024) / max(k, 1) / 16 * 16))
        smallDirect = ConvStep.isSmallDirect(g)
        packedDirect = kernels != nil && ConvStep.isPackedDirect(g)
        packed = kernels
        if let packed, packedDirect {
            packedWeights = OwnedFloats(DirectConvolution.pack(
                weights, outputChannels: g.outputChannels, inputChannels: g.inputChannels, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth))
            packedGroupStride = 0
            (epilogue, activationAfter) = PackedKernels.split(activation)
        } else if let packed {
            packedWeights = packed.pack(weights, groups: g.groups, rows: g.outputChannelsPerGroup, columns: k)
            packedGroupStride = packed.groupStride(rows: g.outputChannelsPerGroup, columns: k)
            (epilogue, activationAfter) = PackedKernels.split(activation)
        } else {
            packedWeights = nil
            packedGroupStride = 0
            (epilogue, activationAfter) = (.identity, activation)
        }
        transposedProduct = !smallDirect && packed == nil && g.outputChannelsPerGroup < 16 && columns >= 64
        paddedWidth = g.inputWidth + 2 * g.padLeft + g.kernelWidth + 16
        if packedDirect {
            scratchPerPart = DirectConvolution.scratchCount(
                inputChannels: g.inputChannels, kernelHeight: g.kernelHeight, outputWidth: g.outputWidth, kernelWidth: g.kernelWidth,
                rows: (g.outputHeight + parts - 1) / parts)
        } else if smallDirect {
            scratchPerPart = paddedWidth
        } else if packed != nil {
            scratchPerPart = k * tileColumns + PackedGemm.scratchCount(k: k)
        } else {
            scratchPerPart = k * tileColumns + (transposedProduct ? tileColumns * g.outputChannelsPerGroup : 0)
        }
        scratchPerPart = Step.cacheLines(scratchPerPart)
        super.init(name: name, opType: "Conv", inputID: inputID, outputID: outputID)
        flops = g.flopsPerImage * Double(g.batch)
        parallel = parts > 1
        scratchCount = scratchPerPart * parts
    }

    /// Up to 4 output channels, stride 1: the direct convolution (the RGB layer).
    static func isSmallDirect(_ g: ConvGeometry) -> Bool {
        g.groups == 1 && g.outputChannels <= 4 && g.strideY == 1 && g.strideX == 1
            && g.dilationY == 1 && g.dilationX == 1 && g.kernelWidth <= 9 && g.outputWidth >= 16
    }

    /// Stride 1, one group, output rows of 16 or more, and either a spatial kernel or at most 4
    /// outputs (a 1x1 convolution with more is a plain GEMM on the input, without im2col anyway).
    static func isPackedDirect(_ g: ConvGeometry) -> Bool {
        g.groups == 1 && g.strideY == 1 && g.strideX == 1 && g.dilationY == 1 && g.dilationX == 1 && g.outputWidth >= 16
            && (g.outputChannels <= 4 || g.kernelHeight * g.kernelWidth > 1)
    }

    /// Whether the step can apply a per-channel input scale itself (its kernel copies the input).
    static func acceptsInputScale(_ g: ConvGeometry, kernels: PackedKernels?) -> Bool {
        kernels != nil && isPackedDirect(g)
    }

    override func run(part: Int, of parts: Int) {
        if packedDirect, let packed, let packedWeights { return runPackedDirect(packed, packedWeights, part: part, of: parts) }
        if smallDirect { return runDirect(part: part, of: parts) }
        let columns = g.outputHeight * g.outputWidth
        let mine = Step.range(columns, part: part, of: parts, multiple: 16)
        if mine.isEmpty { return }
        let cig = g.inputChannelsPerGroup, cog = g.outputChannelsPerGroup
        let inPlane = g.inputHeight * g.inputWidth
        let cols = scratch + part * scratchPerPart
        for n in 0..<g.batch {
            for group in 0..<g.groups {
                let x = input + (n * g.inputChannels + group * cig) * inPlane
                let y = output + (n * g.outputChannels + group * cog) * columns
                var t0 = mine.lowerBound
                while t0 < mine.upperBound {
                    let t1 = min(mine.upperBound, t0 + tileColumns)
                    let nt = t1 - t0
                    let b: UnsafePointer<Float>, ldb: Int
                    if direct {
                        b = UnsafePointer(x + t0); ldb = inPlane
                    } else if wholeInput {
                        b = UnsafePointer(x); ldb = 1
                    } else {
                        ConvStep.im2col(g, x, cols, columnStart: t0, columnCount: nt, kernels: packed)
                        b = UnsafePointer(cols); ldb = nt
                    }
                    if let packed, let packedWeights {
                        packed.gemm(GemmArguments(
                            rows: 0..<cog, n: nt, k: k, a: packedWeights.pointer + group * packedGroupStride, b: b, ldb: ldb,
                            c: y + t0, ldc: columns, bias: bias.pointer + group * cog, epilogue: epilogue,
                            scratch: cols + k * tileColumns))
                        if activationAfter != .none {
                            for m in 0..<cog { activationAfter.applyInPlace(y + m * columns + t0, count: nt) }
                        }
                    } else if transposedProduct {
                        // Few output channels: sgemm blocks M by 16+, so compute outᵀ [nt, M] = colsᵀ · Wᵀ
                        // (M becomes the small N side) and transpose back in the epilogue.
                        let t = cols + k * tileColumns
                        BLAS.sgemm(transA: true, transB: true, m: nt, n: cog, k: k, a: b, lda: ldb,
                                   b: weights.pointer + group * cog * k, ldb: k, c: t, ldc: cog)
                        for m in 0..<cog {
                            let row = y + m * columns + t0
                            for j in 0..<nt { row[j] = t[j * cog + m] }
                            activation.applyInPlace(row, count: nt, bias: bias.pointer[group * cog + m])
                        }
                    } else {
                        BLAS.sgemm(m: cog, n: nt, k: k, a: weights.pointer + group * cog * k, lda: k, b: b, ldb: ldb, c: y + t0, ldc: columns)
                        for m in 0..<cog {
                            activation.applyInPlace(y + m * columns + t0, count: nt, bias: bias.pointer[group * cog + m])
                        }
                    }
                    t0 = t1
                }
            }
        }
    }

    /// ``DirectConvolution`` compiled for this CPU; threads split the output rows.
    func runPackedDirect(_ packed: PackedKernels, _ packedWeights: OwnedFloats, part: Int, of parts: Int) {
        let rows = Step.range(g.outputHeight, part: part, of: parts)
        if rows.isEmpty { return }
        let outPlane = g.outputHeight * g.outputWidth, inPlane = g.inputHeight * g.inputWidth
        for n in 0..<g.batch {
            let y = output + n * g.outputChannels * outPlane
            packed.table.directConvolution(DirectConvolutionArguments(
                input: input + n * g.inputChannels * inPlane, channels: g.inputChannels, height: g.inputHeight, width: g.inputWidth,
                inputScale: inputScale(image: n, channels: g.inputChannels), output: y, outputChannels: g.outputChannels, outputHeight: g.outputHeight, outputWidth: g.outputWidth,
                weights: packedWeights.pointer, bias: bias.pointer, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                padTop: g.padTop, padLeft: g.padLeft, rows: rows, epilogue: epilogue, curve: activationAfter.curve,
                scratch: scratch + part * scratchPerPart))
        }
    }

    /// Direct convolution, stride 1, for a handful of output channels: for each output row, every
    /// (input channel, ky) row is copied once into a zero-padded line and accumulated into the
    /// output rows with SIMD, kx taps unrolled in registers. Threads split the output rows.
    func runDirect(part: Int, of parts: Int) {
        let rows = Step.range(g.outputHeight, part: part, of: parts)
        if rows.isEmpty { return }
        let ow = g.outputWidth, outPlane = g.outputHeight * ow, inPlane = g.inputHeight * g.inputWidth
        let kh = g.kernelHeight, kw = g.kernelWidth, cin = g.inputChannels
        let line = scratch + part * scratchPerPart
        line.update(repeating: 0, count: paddedWidth)
        let lineRaw = UnsafeRawPointer(line)
        for n in 0..<g.batch {
            let x = input + n * cin * inPlane
            let y = output + n * g.outputChannels * outPlane
            for oy in rows {
                for co in 0..<g.outputChannels { (y + co * outPlane + oy * ow).update(repeating: bias.pointer[co], count: ow) }
                for ky in 0..<kh {
                    let iy = oy - g.padTop + ky
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for ci in 0..<cin {
                        (line + g.padLeft).update(from: x + ci * inPlane + iy * g.inputWidth, count: g.inputWidth)
                        for co in 0..<g.outputChannels {
                            let wrow = weights.pointer + ((co * cin + ci) * kh + ky) * kw
                            let acc = y + co * outPlane + oy * ow
                            let accRaw = UnsafeMutableRawPointer(acc)
                            var ox = 0
                            while ox + 16 <= ow {
                                var a = accRaw.loadUnaligned(fromByteOffset: ox * 4, as: SIMD16<Float>.self)
                                for kx in 0..<kw {
                                    a += wrow[kx] * lineRaw.loadUnaligned(fromByteOffset: (ox + kx) * 4, as: SIMD16<Float>.self)
                                }
                                accRaw.storeBytes(of: a, toByteOffset: ox * 4, as: SIMD16<Float>.self)
                                ox += 16
                            }
                            while ox < ow {
                                var a = acc[ox]
                                for kx in 0..<kw { a += wrow[kx] * line[ox + kx] }
                                acc[ox] = a
                                ox += 1
                            }
                        }
                    }
                }
                for co in 0..<g.outputChannels { activation.applyInPlace(y + co * outPlane + oy * ow, count: ow) }
            }
        }
    }

    /// Unfolds input patches for output columns [columnStart, columnStart + columnCount) into
    /// `cols` [K, columnCount] (``Im2col``, compiled for this CPU when `kernels` is given).
    @inline(__always)
    static func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, columnStart: Int, columnCount: Int, kernels: PackedKernels?) {
        let arguments = Im2colArguments(
            input: x, channels: g.inputChannelsPerGroup, height: g.inputHeight, width: g.inputWidth, outputWidth: g.outputWidth,
            kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, strideY: g.strideY, strideX: g.strideX,
            padTop: g.padTop, padLeft: g.padLeft, dilationY: g.dilationY, dilationX: g.dilationX,
            columnStart: columnStart, columnCount: columnCount, output: cols)
        if let kernels { kernels.table.im2col(arguments) } else { Im2col.run(arguments) }
    }
}
