import LikenessKernels

/// The kernels compiled for AVX2 + FMA (this target is built with `-target-cpu haswell`).
///
/// Use only when ``InstructionSet/supported`` is at least `.avx2`: on an older CPU these stop the
/// process with an illegal instruction.
public let avx2Kernels = KernelTable(
    instructionSet: .avx2, tileRows: Tile6x16.rows, tileColumns: 16 * Tile6x16.vectors,
    gemm: { PackedGemm.run($0, wide: Tile6x16.self, narrow: Tile6x16.self) },
    directConvolution: { DirectConvolution.run($0) },
    gatherK4S2P1: { TransposedGather.k4s2p1($0) },
    im2col: { Im2col.run($0) })
