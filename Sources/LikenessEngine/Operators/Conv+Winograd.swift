import LikenessKernels

// MARK: - Winograd convolution steps

/// The first half of a 3x3, stride 1, padding 1 convolution as Winograd F(2x2, 3x3)
/// (``Winograd``): transforms every input channel's 4x4 patches into v [N][16][C][T] in the
/// arena. Threads split the input channels.
final class WinogradInputStep: SingleInputStep {
    let g: ConvGeometry
    let kernels: PackedKernels
    /// Floats per row of a V_ξ (the tiles and 16 of slack).
    let rowLength: Int
    let scratchPerPart: Int

    init(name: String, geometry: ConvGeometry, inputID: Int, outputID: Int, parts: Int, kernels: PackedKernels) {
        g = geometry
        self.kernels = kernels
        rowLength = Winograd.transformedRowLength(height: g.outputHeight, width: g.outputWidth)
        scratchPerPart = Step.cacheLines(Winograd.scratchCount(height: g.inputHeight, width: g.inputWidth))
        super.init(name: name + " (input transform)", opType: "Conv", inputID: inputID, outputID: outputID)
        parallel = parts > 1
        scratchCount = scratchPerPart * parts
    }

    /// Floats of the transformed input for the whole batch.
    static func transformedCount(_ g: ConvGeometry) -> Int {
        g.batch * 16 * g.inputChannels * Winograd.transformedRowLength(height: g.outputHeight, width: g.outputWidth)
    }

    override func run(part: Int, of parts: Int) {
        let channels = Step.range(g.inputChannels, part: part, of: parts)
        if channels.isEmpty { return }
        let inPlane = g.inputHeight * g.inputWidth
        for n in 0..<g.batch {
            kernels.table.winogradInput(WinogradInputArguments(
                input: input + n * g.inputChannels * inPlane, totalChannels: g.inputChannels, height: g.inputHeight, width: g.inputWidth,
                channels: channels, output: output + n * 16 * g.inputChannels * rowLength, scratch: scratch + part * scratchPerPart))
        }
    }
}

/// The second half: 16 packed GEMMs M_ξ = U_ξ · V_ξ for a thread's output channels, then their
/// output transform with bias and activation. Threads split the output channels (whole panels).
final class WinogradProductStep: SingleInputStep {
    let g: ConvGeometry
    let kernels: PackedKernels
    /// U_ξ [M, C] packed, one after another (groupStride apart).
    let transformed: OwnedFloats
    let groupStride: Int
    let bias: OwnedFloats
    let epilogue: LinearEpilogue
    let activationAfter: Activation
    let tileCount: Int
    let rowsPerPart: Int
    let scratchPerPart: Int

    init(name: String, geometry: ConvGeometry, weights: [Float], bias: [Float], activation: Activation,
         inputID: Int, outputID: Int, parts: Int, kernels: PackedKernels) {
        g = geometry
        self.kernels = kernels
        let m = g.outputChannels, c = g.inputChannels
        transformed = kernels.pack(Winograd.transformWeights(weights, outputChannels: m, inputChannels: c), groups: 16, rows: m, columns: c)
        groupStride = kernels.groupStride(rows: m, columns: c)
        self.bias = OwnedFloats(bias)
        (epilogue, activationAfter) = PackedKernels.split(activation)
        let tiles = Winograd.tiles(height: g.outputHeight, width: g.outputWidth)
        tileCount = tiles.rows * tiles.columns
        rowsPerPart = Step.range(m, part: 0, of: parts, multiple: kernels.tileRows).count
        // The products of a part's rows for all 16 ξ (plus a vector of slack for the transform's
        // last loads), then the GEMM's own scratch.
        scratchPerPart = Step.cacheLines(16 * rowsPerPart * tileCount + 16 + PackedGemm.scratchCount(k: c))
        super.init(name: name, opType: "Conv", inputID: inputID, outputID: outputID)
        flops = g.flopsPerImage * Double(g.batch)
        parallel = parts > 1
        scratchCount = scratchPerPart * parts
    }

    /// A convolution the Winograd steps handle (``ConvGeometry/prefersWinograd``), on packed kernels.
    static func accepts(_ g: ConvGeometry, kernels: PackedKernels?) -> Bool {
        kernels != nil && g.prefersWinograd
    }

    override func run(part: Int, of parts: Int) {
        let rows = Step.range(g.outputChannels, part: part, of: parts, multiple: kernels.tileRows)
        if rows.isEmpty { return }
        let c = g.inputChannels, t = tileCount, vRow = t + 16
        let products = scratch + part * scratchPerPart
        let gemmScratch = products + 16 * rowsPerPart * t + 16
        let outPlane = g.outputHeight * g.outputWidth
        for n in 0..<g.batch {
            let v = input + n * 16 * c * vRow
            for xi in 0..<16 {
                kernels.gemm(GemmArguments(
                    rows: rows, n: t, k: c, a: transformed.pointer + xi * groupStride, b: v + xi * c * vRow, ldb: vRow,
                    c: products + xi * rows.count * t, ldc: t, bias: nil, epilogue: .identity, scratch: gemmScratch))
            }
            let y = output + n * g.outputChannels * outPlane
            kernels.table.winogradOutput(WinogradOutputArguments(
                products: products, channels: rows, height: g.outputHeight, width: g.outputWidth, bias: bias.pointer,
                epilogue: epilogue, output: y))
            if activationAfter != .none {
                activationAfter.applyInPlace(y + rows.lowerBound * outPlane, count: rows.count * outPlane)
            }
        }
    }
}

// MARK: - The one Winograd rule

extension ConvGeometry {
    /// Whether this convolution runs as Winograd F(2x2, 3x3), layer by layer or in a band chain: 3x3,
    /// stride and dilation 1, padding 1 all round, one group, the output the input's size, at least 8
    /// input and 8 output channels (fewer, like a head of 3 or an RGB tail, pay more for the transforms
    /// than they save: they run the direct kernels) and rows of 8 or more (below that, tiles are mostly border).
    var prefersWinograd: Bool {
        kernelHeight == 3 && kernelWidth == 3 && strideY == 1 && strideX == 1 && dilationY == 1 && dilationX == 1
            && padTop == 1 && padLeft == 1 && groups == 1 && outputHeight == inputHeight && outputWidth == inputWidth
            && outputChannels >= 8 && inputChannels >= 8 && outputWidth >= 8
    }
}
