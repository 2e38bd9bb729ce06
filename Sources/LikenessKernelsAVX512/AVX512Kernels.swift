import LikenessKernels

/// The kernels compiled for AVX-512 (this target is built with `-target-cpu skylake-avx512`).
///
/// Use only when ``InstructionSet/supported`` is `.avx512`: on an older CPU these stop the process
/// with an illegal instruction.
public let avx512Kernels = KernelTable(
    instructionSet: .avx512, tileRows: Tile8x32.rows, tileColumns: 16 * Tile8x32.vectors,
    gemm: { PackedGemm.run($0, wide: Tile8x32.self, narrow: Tile8x16.self) },
    directConvolution: { args in
        switch args.outputChannels {
        case 1: DirectConvolution.run(args, tile: Tile1x64.self)
        case 2: DirectConvolution.run(args, tile: Tile2x64.self)
        case 3: DirectConvolution.run(args, tile: Tile3x64.self)
        default: DirectConvolution.run(args, tile: Tile4x64.self)
        }
    },
    gatherK4S2P1: { TransposedGather.k4s2p1($0) },
    im2col: { Im2col.run($0) },
    transposedK4S2P1: { TransposedConvolution.k4s2p1($0, tile: Tile8x16.self) })
