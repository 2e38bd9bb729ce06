import CBLAS
import Foundation
import LikenessKernels

// MARK: - ConvTranspose

/// ConvTranspose (2-D, groups, output_padding, output_shape) with constant weights:
/// input [N, C, H, W], weight [C, M/g, kH, kW], bias [M] → [N, M, OH, OW]. Geometry as ``Conv``'s
/// (``ConvGeometry``), lowered to a ``ConvTransposeStep`` (GEMM + col2im).
enum ConvTranspose: OperatorDefinition {
    static let opTypes = ["ConvTranspose"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        [try reference(node, try node.required(inputs, 0), try node.required(inputs, 1), inputs.count > 2 ? inputs[2] : nil)]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        try Conv.lowerConvolution(node, transposed: true, &lowering)
    }

    /// The naive reference: every input pixel scatters its kernel into the output.
    static func reference(_ node: Node, _ x: Tensor, _ w: Tensor, _ bias: Tensor?) throws(EngineError) -> Tensor {
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

// MARK: - Transposed convolution

/// ConvTranspose with folded BatchNorm, bias and activation, as GEMM + col2im.
///
/// No zero is ever multiplied: cols [M/g·kH·kW, H·W] = Wᵀ [M/g·kH·kW, C/g] · X [C/g, H·W] (packed
/// GEMM, or OpenBLAS sgemm on the baseline), then each column scatters-adds its kH·kW taps into the
/// output (col2im; for kernel 4, stride 2, padding 1 a gather that writes every output once).
/// Threads split the output channels, so each owns its rows of cols and its output planes: no
/// synchronisation inside.
final class ConvTransposeStep: SingleInputStep {
    let g: ConvGeometry
    /// [g][M/g·kH·kW, C/g] row-major.
    let weights: OwnedFloats
    let bias: OwnedFloats
    let activation: Activation
    let channelTile: Int
    let kk: Int
    /// The DCGAN up-sampling block (kernel 4, stride 2, padding 1): a gather kernel writes each
    /// output once instead of scatter-adding.
    let isK4S2P1: Bool
    /// The packed-weight GEMM (weights packed per group at load); nil: OpenBLAS on `weights`.
    let packed: PackedKernels?
    let packedWeights: OwnedFloats?
    let packedGroupStride: Int
    /// Kernel 4, stride 2, padding 1, one group, input at least 16 wide, with packed kernels:
    /// ``TransposedConvolution`` straight from the input (no cols, no gather); threads split the
    /// output rows.
    let direct: Bool
    /// A 1x1 input whose output is exactly the kernel (the first layer of a DCGAN generator,
    /// z → 4x4): cols [M·kH·kW, 1] is already the output [M, kH, kW], so with packed kernels the
    /// GEMM writes the output directly (bias repeated per tap, activation in registers).
    let pointwiseInput: Bool
    /// The bias repeated kH·kW times, indexed by GEMM row (pointwiseInput only).
    let rowBias: OwnedFloats?
    /// Floats of scratch per part: the cols tile, plus the packed GEMM's own (or the direct
    /// kernel's padded input lines).
    private(set) var scratchPerPart: Int
    /// What the packed gather applies in registers, and what is left for afterwards.
    let epilogue: LinearEpilogue
    let activationAfter: Activation

    init(name: String, geometry: ConvGeometry, weights w: [Float], bias: [Float], activation: Activation, inputID: Int, outputID: Int, parts: Int, kernels: PackedKernels?) {
        g = geometry
        let cig = g.inputChannelsPerGroup, cog = g.outputChannelsPerGroup
        kk = g.kernelHeight * g.kernelWidth
        // weight [C, M/g, kH, kW] → per group [M/g·kk, C/g].
        var t = [Float](repeating: 0, count: w.count)
        for group in 0..<g.groups {
            for ci in 0..<cig {
                for mo in 0..<cog {
                    for tap in 0..<kk {
                        t[group * cog * kk * cig + (mo * kk + tap) * cig + ci] = w[((group * cig + ci) * cog + mo) * kk + tap]
                    }
                }
            }
        }
        self.weights = OwnedFloats(t)
        self.bias = OwnedFloats(bias)
        self.activation = activation
        let plane = g.inputHeight * g.inputWidth
        let perPart = (g.outputChannels + parts - 1) / parts
        channelTile = max(1, min(perPart, (256 * 1024) / max(kk * plane, 1)))
        isK4S2P1 = ConvTransposeStep.isK4S2P1(g)
        packed = kernels
        (epilogue, activationAfter) = PackedKernels.split(activation)
        direct = ConvTransposeStep.acceptsInputScale(g, kernels: kernels)
        pointwiseInput = kernels != nil && g.groups == 1 && g.inputHeight == 1 && g.inputWidth == 1 && g.padTop == 0 && g.padLeft == 0
            && g.outputHeight == g.kernelHeight && g.outputWidth == g.kernelWidth && g.dilationY == 1 && g.dilationX == 1
        let taps = kk
        rowBias = pointwiseInput ? OwnedFloats(bias.flatMap { [Float](repeating: $0, count: taps) }) : nil
        if direct {
            packedWeights = OwnedFloats(TransposedConvolution.pack(w, inputChannels: cig, outputChannels: cog))
            packedGroupStride = 0
            scratchPerPart = TransposedConvolution.scratchCount(
                inputChannels: cig, width: g.inputWidth, outputRows: Step.range(g.outputHeight, part: 0, of: parts, multiple: 2).count)
        } else {
            packedWeights = kernels?.pack(t, groups: g.groups, rows: cog * kk, columns: cig)
            packedGroupStride = kernels?.groupStride(rows: cog * kk, columns: cig) ?? 0
            scratchPerPart = channelTile * kk * plane + (kernels == nil ? 0 : PackedGemm.scratchCount(k: cig))
        }
        scratchPerPart = Step.cacheLines(scratchPerPart)
        super.init(name: name, opType: "ConvTranspose", inputID: inputID, outputID: outputID)
        flops = g.flopsPerImage * Double(g.batch)
        parallel = parts > 1
        scratchCount = scratchPerPart * parts
    }

    override func run(part: Int, of parts: Int) {
        if direct, let packed, let packedWeights { return runDirect(packed, packedWeights, part: part, of: parts) }
        let mine = Step.range(g.outputChannels, part: part, of: parts)
        if mine.isEmpty { return }
        if pointwiseInput, let packed, let packedWeights, let rowBias {
            // Output channel m's plane is cols rows [m·kk, (m + 1)·kk): one matrix-vector product per image.
            for n in 0..<g.batch {
                let y = output + n * g.outputChannels * kk
                packed.gemm(GemmArguments(
                    rows: (mine.lowerBound * kk)..<(mine.upperBound * kk), n: 1, k: g.inputChannels,
                    a: packedWeights.pointer, b: input + n * g.inputChannels, ldb: 1, c: y + mine.lowerBound * kk, ldc: 1,
                    bias: rowBias.pointer, epilogue: epilogue, scratch: scratch + part * scratchPerPart))
                if activationAfter != .none { activationAfter.applyInPlace(y + mine.lowerBound * kk, count: mine.count * kk) }
            }
            return
        }
        let cig = g.inputChannelsPerGroup, cog = g.outputChannelsPerGroup
        let plane = g.inputHeight * g.inputWidth
        let outPlane = g.outputHeight * g.outputWidth
        let cols = scratch + part * scratchPerPart
        for n in 0..<g.batch {
            var m0 = mine.lowerBound
            while m0 < mine.upperBound {
                let group = m0 / cog
                let m1 = min(mine.upperBound, m0 + channelTile, (group + 1) * cog)
                let mo0 = m0 - group * cog
                let x = input + (n * g.inputChannels + group * cig) * plane
                if let packed, let packedWeights {
                    // cols rows [mo0·kk, mo1·kk) of this group's Wᵀ · X.
                    packed.gemm(GemmArguments(
                        rows: (mo0 * kk)..<((m1 - group * cog) * kk), n: plane, k: cig,
                        a: packedWeights.pointer + group * packedGroupStride, b: x, ldb: plane,
                        c: cols, ldc: plane, bias: nil, epilogue: .identity, scratch: cols + channelTile * kk * plane))
                } else {
                    BLAS.sgemm(
                        m: (m1 - m0) * kk, n: plane, k: cig,
                        a: weights.pointer + (group * cog * kk + mo0 * kk) * cig, lda: cig,
                        b: x, ldb: plane, c: cols, ldc: plane)
                }
                for m in m0..<m1 {
                    let y = output + (n * g.outputChannels + m) * outPlane
                    if isK4S2P1 {
                        // The gather compiled for this CPU, or the baseline build of the same code.
                        let arguments = GatherArguments(
                            cols: cols + (m - m0) * kk * plane, height: g.inputHeight, width: g.inputWidth, output: y,
                            bias: bias.pointer[m], epilogue: epilogue)
                        if let packed { packed.table.gatherK4S2P1(arguments) } else { TransposedGather.k4s2p1(arguments) }
                        if activationAfter != .none { activationAfter.applyInPlace(y, count: outPlane) }
                    } else {
                        y.update(repeating: bias.pointer[m], count: outPlane)
                        ConvTransposeStep.col2im(g, cols + (m - m0) * kk * plane, y)
                        activation.applyInPlace(y, count: outPlane)
                    }
                }
                m0 = m1
            }
        }
    }

    /// Whether the step runs ``TransposedConvolution``, which can also apply a per-channel input scale.
    static func acceptsInputScale(_ g: ConvGeometry, kernels: PackedKernels?) -> Bool {
        kernels != nil && isK4S2P1(g) && g.groups == 1 && g.inputWidth >= 16
    }

    /// ``TransposedConvolution`` compiled for this CPU on a band of output rows.
    func runDirect(_ packed: PackedKernels, _ packedWeights: OwnedFloats, part: Int, of parts: Int) {
        let rows = Step.range(g.outputHeight, part: part, of: parts, multiple: 2)
        if rows.isEmpty { return }
        let inPlane = g.inputHeight * g.inputWidth, outPlane = g.outputHeight * g.outputWidth
        for n in 0..<g.batch {
            let y = output + n * g.outputChannels * outPlane
            packed.table.transposedK4S2P1(TransposedConvolutionArguments(
                input: input + n * g.inputChannels * inPlane, channels: g.inputChannels, height: g.inputHeight, width: g.inputWidth,
                inputScale: inputScale(image: n, channels: g.inputChannels), output: y, outputChannels: g.outputChannels, weights: packedWeights.pointer, bias: bias.pointer,
                rows: rows, epilogue: epilogue, scratch: scratch + part * scratchPerPart))
            if activationAfter != .none {
                for m in 0..<g.outputChannels {
                    activationAfter.applyInPlace(y + m * outPlane + rows.lowerBound * g.outputWidth, count: rows.count * g.outputWidth)
                }
            }
        }
    }

    /// Kernel 4, stride 2, padding 1 with output 2H x 2W: the DCGAN up-sampling block.
    static func isK4S2P1(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 4 && g.kernelWidth == 4 && g.strideY == 2 && g.strideX == 2 && g.padTop == 1 && g.padLeft == 1
            && g.dilationY == 1 && g.dilationX == 1 && g.outputHeight == 2 * g.inputHeight && g.outputWidth == 2 * g.inputWidth
    }

    /// Scatter-adds one output channel's kH·kW rows of cols [kk, H·W] into its plane [OH, OW].
    @inline(__always)
    static func col2im(_ g: ConvGeometry, _ cols: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let h = g.inputHeight, w = g.inputWidth, oh = g.outputHeight, ow = g.outputWidth
        let sx = g.strideX
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let row = cols + (ky * g.kernelWidth + kx) * h * w
                let offsetX = kx * g.dilationX - g.padLeft
                // Valid ix: 0 <= ix*sx + offsetX < ow.
                let ixLo = offsetX >= 0 ? 0 : (-offsetX + sx - 1) / sx
                let ixHi = min(w, (ow - offsetX + sx - 1) / sx)
                if ixHi <= ixLo { continue }
                for iy in 0..<h {
                    let oy = iy * g.strideY - g.padTop + ky * g.dilationY
                    if oy < 0 || oy >= oh { continue }
                    let src = row + iy * w
                    let dst = y + oy * ow + offsetX
                    if sx == 1 {
                        var ix = ixLo
                        let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
                        while ix + 16 <= ixHi {
                            let v = rd.loadUnaligned(fromByteOffset: ix * 4, as: SIMD16<Float>.self) + rs.loadUnaligned(fromByteOffset: ix * 4, as: SIMD16<Float>.self)
                            rd.storeBytes(of: v, toByteOffset: ix * 4, as: SIMD16<Float>.self)
                            ix += 16
                        }
                        while ix < ixHi { dst[ix] += src[ix]; ix += 1 }
                    } else {
                        for ix in ixLo..<ixHi { dst[ix * sx] += src[ix] }
                    }
                }
            }
        }
    }
}
