import CBLAS
import Foundation
import LikenessKernels

// MARK: - BLAS

/// Thin wrappers over OpenBLAS, row-major.
enum BLAS {
    /// `C[M, N] = alpha * op(A) op(B) + beta * C`, row-major with leading dimensions.
    @inline(__always)
    static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if n == 1 && !transB {
            // A matrix-vector product (a 1x1 input or output): sgemv streams A once without packing it.
            cblas_sgemv(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, blasint(transA ? k : m), blasint(transA ? m : k),
                alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Sets OpenBLAS's own thread count (process-wide).
    static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }
    static var threads: Int { Int(openblas_get_num_threads()) }
}

// MARK: - OwnedFloats

/// Weights or tables owned by a step: allocated once at load, never resized.
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.initialize(from: base, count: count) }
        }
    }

    deinit { pointer.deallocate() }
}

// MARK: - Step

/// One planned operation of the execution plan, bound to arena buffers.
///
/// Steps are built at load time with buffer ids, then ``bind(_:)`` resolves the ids to pointers
/// into the arena. `run(part:of:)` is allocation-free.
class Step: ParallelWork {
    let name: String
    let opType: String
    /// FLOPs for the whole batch (multiply-add = 2).
    var flops: Double = 0
    /// Whether the step is split across the worker pool.
    var parallel = false
    /// Floats of scratch this step needs (for all parts together).
    var scratchCount = 0
    var scratchID = -1
    var scratch = UnsafeMutablePointer<Float>(bitPattern: 16)!

    init(name: String, opType: String) {
        self.name = name
        self.opType = opType
    }

    /// Resolves buffer ids to arena pointers.
    func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        if scratchID >= 0 { scratch = resolve(scratchID) }
    }

    /// The buffer ids this step reads and writes (for liveness).
    var reads: [Int] { [] }
    var writes: [Int] { [] }

    /// `count` rounded up to whole cache lines (16 floats), so every part's scratch starts aligned.
    static func cacheLines(_ count: Int) -> Int { (count + 15) / 16 * 16 }

    @inline(__always)
    static func range(_ total: Int, part: Int, of parts: Int, multiple: Int = 1) -> Range<Int> {
        var chunk = (total + parts - 1) / parts
        chunk = (chunk + multiple - 1) / multiple * multiple
        let start = min(total, part * chunk)
        return start..<min(total, start + chunk)
    }
}

// MARK: - SingleInputStep

/// A step that reads one arena buffer and writes another (most of them).
///
/// A convolution step may also read a per-channel scale of its input ([N, C]): a channel gate
/// (`x · gate` with gate [N, C, 1, 1]) that the planner fused into it, applied while the kernel
/// copies its input rows.
class SingleInputStep: Step {
    let inputID: Int, outputID: Int
    var input = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var output = UnsafeMutablePointer<Float>(bitPattern: 16)!
    /// The buffer of the fused input scale, or -1.
    var inputScaleID = -1
    var inputScale: UnsafeMutablePointer<Float>?

    init(name: String, opType: String, inputID: Int, outputID: Int) {
        self.inputID = inputID
        self.outputID = outputID
        super.init(name: name, opType: opType)
    }

    override var reads: [Int] { inputScaleID >= 0 ? [inputID, inputScaleID] : [inputID] }
    override var writes: [Int] { [outputID] }

    override func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        super.bind(resolve)
        input = resolve(inputID)
        output = resolve(outputID)
        if inputScaleID >= 0 { inputScale = resolve(inputScaleID) }
    }

    /// Image `n`'s input scale, one value per input channel.
    @inline(__always)
    func inputScale(image n: Int, channels: Int) -> UnsafePointer<Float>? {
        inputScale.map { UnsafePointer($0 + n * channels) }
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

// MARK: - Per-channel affine (BatchNorm) and InstanceNorm

/// `y = act(x·scale[c] + shift[c])` on [N, C, inner]; BatchNorm in inference mode. May run in place.
final class ChannelAffineStep: SingleInputStep {
    let batch: Int, channels: Int, inner: Int
    let scale: OwnedFloats, shift: OwnedFloats
    let activation: Activation

    init(name: String, opType: String, shape: [Int], scale: [Float], shift: [Float], activation: Activation, inputID: Int, outputID: Int, parts: Int) {
        batch = shape[0]
        channels = shape.count > 1 ? shape[1] : 1
        inner = shape.dropFirst(2).reduce(1, *)
        self.scale = OwnedFloats(scale)
        self.shift = OwnedFloats(shift)
        self.activation = activation
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = 2 * Double(batch * channels * inner)
        parallel = parts > 1 && batch * channels * inner >= 16384
    }

    override func run(part: Int, of parts: Int) {
        for plane in Step.range(batch * channels, part: part, of: parts) {
            let c = plane % channels
            activation.applyAffine(input + plane * inner, output + plane * inner, count: inner, scale: scale.pointer[c], shift: shift.pointer[c])
        }
    }
}

/// InstanceNormalization on [N, C, inner] with per-channel scale and bias, fused activation.
final class InstanceNormStep: SingleInputStep {
    let batch: Int, channels: Int, inner: Int
    let scale: OwnedFloats, bias: OwnedFloats
    let epsilon: Float
    let activation: Activation

    init(name: String, shape: [Int], scale: [Float], bias: [Float], epsilon: Float, activation: Activation, inputID: Int, outputID: Int, parts: Int) {
        batch = shape[0]
        channels = shape[1]
        inner = shape.dropFirst(2).reduce(1, *)
        self.scale = OwnedFloats(scale)
        self.bias = OwnedFloats(bias)
        self.epsilon = epsilon
        self.activation = activation
        super.init(name: name, opType: "InstanceNormalization", inputID: inputID, outputID: outputID)
        flops = 5 * Double(batch * channels * inner)
        parallel = parts > 1 && batch * channels >= 2
    }

    override func run(part: Int, of parts: Int) {
        for plane in Step.range(batch * channels, part: part, of: parts) {
            let x = input + plane * inner
            var sum: Double = 0
            for i in 0..<inner { sum += Double(x[i]) }
            let mean = sum / Double(inner)
            var squares: Double = 0
            for i in 0..<inner { let d = Double(x[i]) - mean; squares += d * d }
            let inv = 1 / (squares / Double(inner) + Double(epsilon)).squareRoot()
            let c = plane % channels
            let s = Float(inv) * scale.pointer[c]
            activation.applyAffine(x, output + plane * inner, count: inner, scale: s, shift: bias.pointer[c] - Float(mean) * s)
        }
    }
}

// MARK: - Elementwise

/// A unary elementwise operator over a whole buffer; may run in place.
final class UnaryStep: SingleInputStep {
    let op: UnaryOperator
    let count: Int

    init(name: String, opType: String, op: UnaryOperator, count: Int, inputID: Int, outputID: Int, parts: Int) {
        self.op = op
        self.count = count
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = Double(count)
        parallel = parts > 1 && count >= 32768
    }

    override func run(part: Int, of parts: Int) {
        let r = Step.range(count, part: part, of: parts, multiple: 16)
        if r.isEmpty { return }
        if case .activation(let act) = op {
            if input != output { (output + r.lowerBound).update(from: input + r.lowerBound, count: r.count) }
            act.applyInPlace(output + r.lowerBound, count: r.count)
        } else {
            for i in r { output[i] = op.apply(input[i]) }
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

// MARK: - Copies

/// Strided copies between buffers: Slice, Split, Concat, Transpose, Expand.
final class CopyStep: Step {
    struct Piece {
        var sourceID: Int
        var destinationID: Int
        var copy: CopyDescriptor
        var source = UnsafeMutablePointer<Float>(bitPattern: 16)!
        var destination = UnsafeMutablePointer<Float>(bitPattern: 16)!
    }
    var pieces: [Piece]

    init(name: String, opType: String, pieces: [(source: Int, destination: Int, copy: CopyDescriptor)]) {
        self.pieces = pieces.map { Piece(sourceID: $0.source, destinationID: $0.destination, copy: $0.copy.simplified()) }
        super.init(name: name, opType: opType)
    }

    override var reads: [Int] { pieces.map(\.sourceID) }
    override var writes: [Int] { pieces.map(\.destinationID) }

    override func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        super.bind(resolve)
        for i in pieces.indices {
            pieces[i].source = resolve(pieces[i].sourceID)
            pieces[i].destination = resolve(pieces[i].destinationID)
        }
    }

    override func run(part: Int, of parts: Int) {
        for i in 0..<pieces.count {
            let p = pieces[i]
            CopyStep.copy(p.copy, from: p.source, to: p.destination)
        }
    }

    /// Executes one descriptor: an odometer over the outer axes, a tight loop on the last.
    static func copy(_ c: CopyDescriptor, from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
        let rank = c.extent.count
        let inner = c.extent[rank - 1], si = c.sourceStrides[rank - 1], di = c.destinationStrides[rank - 1]
        var outer = 1
        for k in 0..<(rank - 1) { outer *= c.extent[k] }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(rank, 1)) { index in
            index.initialize(repeating: 0)
            for _ in 0..<outer {
                var s = c.sourceOffset, d = c.destinationOffset
                for k in 0..<(rank - 1) { s += index[k] * c.sourceStrides[k]; d += index[k] * c.destinationStrides[k] }
                let src = source + s, dst = destination + d
                if si == 1 && di == 1 {
                    dst.update(from: src, count: inner)
                } else if si == 0 && di == 1 {
                    dst.update(repeating: src[0], count: inner)
                } else {
                    for i in 0..<inner { dst[i * di] = src[i * si] }
                }
                var k = rank - 2
                while k >= 0 { index[k] += 1; if index[k] < c.extent[k] { break }; index[k] = 0; k -= 1 }
            }
        }
    }
}

// MARK: - Resize

/// Nearest or bilinear resize of [N, C, H, W] through precomputed index tables.
final class ResizeStep: SingleInputStep {
    let t: ResizeTables
    let y0: [Int], y1: [Int], x0: [Int], x1: [Int], wy: [Float], wx: [Float]
    /// True for an exact nearest 2x upsample (every source pixel duplicated 2x2).
    let isDouble: Bool

    init(name: String, opType: String, tables: ResizeTables, inputID: Int, outputID: Int, parts: Int) {
        t = tables
        y0 = t.y0; y1 = t.y1; x0 = t.x0; x1 = t.x1; wy = t.wy; wx = t.wx
        isDouble = !t.linear && t.outputShape[2] == 2 * t.inputShape[2] && t.outputShape[3] == 2 * t.inputShape[3]
            && t.y0 == (0..<t.outputShape[2]).map { $0 / 2 } && t.x0 == (0..<t.outputShape[3]).map { $0 / 2 }
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = Double(t.outputShape.reduce(1, *)) * (t.cubic ? 16 : t.linear ? 6 : 0)
        parallel = parts > 1 && t.outputShape.reduce(1, *) >= 32768
    }

    override func run(part: Int, of parts: Int) {
        let h = t.inputShape[2], w = t.inputShape[3], oh = t.outputShape[2], ow = t.outputShape[3]
        for plane in Step.range(t.inputShape[0] * t.inputShape[1], part: part, of: parts) {
            let src = input + plane * h * w, dst = output + plane * oh * ow
            if t.cubic {
                // Separable: four source rows blended per output row, then four columns per output.
                t.yTaps.withUnsafeBufferPointer { yt in t.yWeights.withUnsafeBufferPointer { yw in
                t.xTaps.withUnsafeBufferPointer { xt in t.xWeights.withUnsafeBufferPointer { xw in
                    for oy in 0..<oh {
                        let r0 = src + yt[4 * oy] * w, r1 = src + yt[4 * oy + 1] * w
                        let r2 = src + yt[4 * oy + 2] * w, r3 = src + yt[4 * oy + 3] * w
                        let (a0, a1, a2, a3) = (yw[4 * oy], yw[4 * oy + 1], yw[4 * oy + 2], yw[4 * oy + 3])
                        let out = dst + oy * ow
                        for ox in 0..<ow {
                            var acc: Float = 0
                            for j in 0..<4 {
                                let x = xt[4 * ox + j]
                                acc += xw[4 * ox + j] * (a0 * r0[x] + a1 * r1[x] + a2 * r2[x] + a3 * r3[x])
                            }
                            out[ox] = acc
                        }
                    }
                } } } }
                continue
            }
            y0.withUnsafeBufferPointer { y0 in x0.withUnsafeBufferPointer { x0 in
                if isDouble {
                    for iy in 0..<h {
                        let row = src + iy * w, out = dst + 2 * iy * ow
                        for ix in 0..<w { let v = row[ix]; out[2 * ix] = v; out[2 * ix + 1] = v }
                        (out + ow).update(from: out, count: ow)
                    }
                } else if !t.linear {
                    for oy in 0..<oh {
                        let row = src + y0[oy] * w, out = dst + oy * ow
                        for ox in 0..<ow { out[ox] = row[x0[ox]] }
                    }
                } else {
                    y1.withUnsafeBufferPointer { y1 in x1.withUnsafeBufferPointer { x1 in
                    wy.withUnsafeBufferPointer { wy in wx.withUnsafeBufferPointer { wx in
                        for oy in 0..<oh {
                            let r0 = src + y0[oy] * w, r1 = src + y1[oy] * w, out = dst + oy * ow
                            let fy = wy[oy]
                            for ox in 0..<ow {
                                let a = r0[x0[ox]], b = r0[x1[ox]], c = r1[x0[ox]], d = r1[x1[ox]]
                                let top = a + (b - a) * wx[ox], bottom = c + (d - c) * wx[ox]
                                out[ox] = top + (bottom - top) * fy
                            }
                        }
                    } }
                    } }
                }
            } }
        }
    }
}

// MARK: - Pooling

/// Average or max pooling on [N, C, H, W].
final class PoolStep: SingleInputStep {
    let g: PoolGeometry

    init(name: String, opType: String, geometry: PoolGeometry, inputID: Int, outputID: Int, parts: Int) {
        g = geometry
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = Double(g.outputShape.reduce(1, *) * g.kernelHeight * g.kernelWidth)
        parallel = parts > 1 && g.batch * g.channels * g.inputHeight * g.inputWidth >= 8192
    }

    override func run(part: Int, of parts: Int) {
        let h = g.inputHeight, w = g.inputWidth, oh = g.outputHeight, ow = g.outputWidth
        if !g.isMax && g.padTop == 0 && g.padLeft == 0 && (oh - 1) * g.strideY + g.kernelHeight <= h && (ow - 1) * g.strideX + g.kernelWidth <= w {
            // Every window inside the input (a skip-layer excitation's pooling): no bounds per output.
            // The kH rows of a window row are summed first, 16 columns at a time (independent lanes
            // instead of one long chain of dependent adds), then kW columns per output.
            let kh = g.kernelHeight, kw = g.kernelWidth, sy = g.strideY, sx = g.strideX, count = Float(kh * kw)
            let columns = (ow - 1) * sx + kw
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns + 16) { rowSums in
                let sums = rowSums.baseAddress!
                for plane in Step.range(g.batch * g.channels, part: part, of: parts) {
                    let src = input + plane * h * w, dst = output + plane * oh * ow
                    for oy in 0..<oh {
                        let top = src + oy * sy * w
                        var x = 0
                        while x + 16 <= columns {
                            var v = UnsafeRawPointer(top + x).loadUnaligned(as: SIMD16<Float>.self)
                            for ky in 1..<max(kh, 1) { v += UnsafeRawPointer(top + ky * w + x).loadUnaligned(as: SIMD16<Float>.self) }
                            UnsafeMutableRawPointer(sums + x).storeBytes(of: v, as: SIMD16<Float>.self)
                            x += 16
                        }
                        while x < columns {
                            var v = top[x]
                            for ky in 1..<max(kh, 1) { v += top[ky * w + x] }
                            sums[x] = v
                            x += 1
                        }
                        for ox in 0..<ow {
                            var acc: Float = 0
                            for kx in 0..<kw { acc += sums[ox * sx + kx] }
                            dst[oy * ow + ox] = acc / count
                        }
                    }
                }
            }
            return
        }
        for plane in Step.range(g.batch * g.channels, part: part, of: parts) {
            let src = input + plane * h * w, dst = output + plane * oh * ow
            for oy in 0..<oh {
                let yStart = oy * g.strideY - g.padTop
                let ky0 = max(0, -yStart), ky1 = min(g.kernelHeight, h - yStart)
                for ox in 0..<ow {
                    let xStart = ox * g.strideX - g.padLeft
                    let kx0 = max(0, -xStart), kx1 = min(g.kernelWidth, w - xStart)
                    var acc: Float = g.isMax ? -.infinity : 0
                    if ky1 > ky0 && kx1 > kx0 {
                        for ky in ky0..<ky1 {
                            let row = src + (yStart + ky) * w + xStart
                            if g.isMax { for kx in kx0..<kx1 { acc = max(acc, row[kx]) } } else { for kx in kx0..<kx1 { acc += row[kx] } }
                        }
                    }
                    let n = g.countIncludePad ? g.kernelHeight * g.kernelWidth : max(1, (ky1 - ky0) * (kx1 - kx0))
                    dst[oy * ow + ox] = g.isMax ? acc : acc / Float(n)
                }
            }
        }
    }
}
