import LikenessKernels

/// The kernels compiled for AVX-512 (this target is built with `-target-cpu skylake-avx512`).
///
/// Use only when ``InstructionSet/supported`` is `.avx512`: on an older CPU these stop the process
/// with an illegal instruction.
public let avx512Kernels = KernelTable(
    instructionSet: .avx512, tileRows: Tile8x32.rows, tileColumns: 16 * Tile8x32.vectors,
    gemm: { PackedGemm.run($0, wide: Tile8x32.self, narrow: Tile8x16.self, pairNarrow: true) },
    directConvolution: { args in
        switch args.outputChannels {
        case 1: DirectConvolution.run(args, tile: Tile1x64.self)
        case 2: DirectConvolution.run(args, tile: Tile2x64.self)
        case 3: DirectConvolution.run(args, tile: Tile3x64.self)
        case 4: DirectConvolution.run(args, tile: Tile4x64.self)
        default: DirectConvolution.run(args, tile: Tile8x32.self)
        }
    },
    winogradBand: { WinogradBand.run($0, tile: Tile16x16.self) },
    pixelShuffle: { PixelShuffleStore.run($0, tile: Tile16x16.self) },
    gatherK4S2P1: { TransposedGather.k4s2p1($0) },
    im2col: { Im2col.run($0) },
    transposedK4S2P1: { args in
        // Two blocks of 16 input columns share each weight broadcast when the row has them.
        if args.width >= 32 { TransposedConvolution.k4s2p1(args, tile: Tile4x32.self) } else { TransposedConvolution.k4s2p1(args, tile: Tile8x16.self) }
    },
    winogradInput: { Winograd.transformInput($0, tile: Tile8x16.self) },
    winogradOutput: { Winograd.transformOutput($0, tile: Tile8x16.self) },
    curve: { CurveKernel.applyInPlace($0, count: $1, curve: $2) })

// MARK: - Register tiles (AVX-512)

// Declared here, not in LikenessKernels, so that every specialization is this module's own.

/// GEMM: 8 rows x 32 columns, 16 zmm accumulators; direct convolution of 8 channels.
enum Tile8x32: TileShape {
    static var rows: Int { 8 }
    static var vectors: Int { 2 }
}

/// GEMM: the narrow edge of Tile8x32; transposed convolution: 8 output channels x 16 input columns.
enum Tile8x16: TileShape {
    static var rows: Int { 8 }
    static var vectors: Int { 1 }
}

/// Transposed convolution: 4 output channels x 32 input columns (64 outputs per row).
enum Tile4x32: TileShape {
    static var rows: Int { 4 }
    static var vectors: Int { 2 }
}

/// Direct convolution: 1 output channel x 64 columns.
enum Tile1x64: TileShape {
    static var rows: Int { 1 }
    static var vectors: Int { 4 }
}

/// Direct convolution: 2 output channels x 64 columns.
enum Tile2x64: TileShape {
    static var rows: Int { 2 }
    static var vectors: Int { 4 }
}

/// Direct convolution: 3 output channels x 64 columns (the RGB layer).
enum Tile3x64: TileShape {
    static var rows: Int { 3 }
    static var vectors: Int { 4 }
}

/// Direct convolution: 4 output channels x 64 columns.
enum Tile4x64: TileShape {
    static var rows: Int { 4 }
    static var vectors: Int { 4 }
}

/// Fused Winograd products: 16 output channels x 16 tiles, 16 zmm accumulators.
enum Tile16x16: TileShape {
    static var rows: Int { 16 }
    static var vectors: Int { 1 }
}
