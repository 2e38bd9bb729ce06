import LikenessKernels

/// The kernels compiled for AVX2 + FMA (this target is built with `-target-cpu haswell`).
///
/// Use only when ``InstructionSet/supported`` is at least `.avx2`: on an older CPU these stop the
/// process with an illegal instruction.
public let avx2Kernels = KernelTable(
    instructionSet: .avx2, tileRows: Tile6x16.rows, tileColumns: 16 * Tile6x16.vectors,
    gemm: { PackedGemm.run($0, wide: Tile6x16.self, narrow: Tile6x16.self) },
    directConvolution: { args in
        switch args.outputChannels {
        case 1: DirectConvolution.run(args, tile: Tile1x64.self)
        case 2: DirectConvolution.run(args, tile: Tile2x32.self)
        case 3: DirectConvolution.run(args, tile: Tile3x32.self)
        case 4: DirectConvolution.run(args, tile: Tile4x16.self)
        default: DirectConvolution.run(args, tile: Tile2x32.self)
        }
    },
    winogradBand: { WinogradBand.run($0, tile: Tile4x16.self) },
    pixelShuffle: { PixelShuffleStore.run($0, tile: Tile4x16.self) },
    gatherK4S2P1: { TransposedGather.k4s2p1($0) },
    im2col: { Im2col.run($0) },
    transposedK4S2P1: { TransposedConvolution.k4s2p1($0, tile: Tile2x16.self) },
    winogradInput: { Winograd.transformInput($0, tile: Tile2x16.self) },
    winogradOutput: { Winograd.transformOutput($0, tile: Tile2x16.self) },
    curve: { CurveKernel.applyInPlace($0, count: $1, curve: $2) })

// MARK: - Register tiles (AVX2)

// Declared here, not in LikenessKernels, so that every specialization is this module's own.

/// GEMM: 6 rows x 16 columns, 12 ymm accumulators.
enum Tile6x16: TileShape {
    static var rows: Int { 6 }
    static var vectors: Int { 1 }
}

/// Transposed convolution: 2 output channels x 16 input columns (2 · 2 accumulators of two ymm).
enum Tile2x16: TileShape {
    static var rows: Int { 2 }
    static var vectors: Int { 1 }
}

/// Direct convolution: 1 output channel x 64 columns.
enum Tile1x64: TileShape {
    static var rows: Int { 1 }
    static var vectors: Int { 4 }
}

/// Direct convolution: 2 output channels x 32 columns (also the tile for more channels).
enum Tile2x32: TileShape {
    static var rows: Int { 2 }
    static var vectors: Int { 2 }
}

/// Direct convolution: 3 output channels x 32 columns.
enum Tile3x32: TileShape {
    static var rows: Int { 3 }
    static var vectors: Int { 2 }
}

/// Direct convolution: 4 output channels x 16 columns.
enum Tile4x16: TileShape {
    static var rows: Int { 4 }
    static var vectors: Int { 1 }
}
