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
        default: DirectConvolution.run(args, tile: Tile4x16.self)
        }
    },
    gatherK4S2P1: { TransposedGather.k4s2p1($0) },
    im2col: { Im2col.run($0) },
    transposedK4S2P1: { TransposedConvolution.k4s2p1($0, tile: Tile2x16.self) })
