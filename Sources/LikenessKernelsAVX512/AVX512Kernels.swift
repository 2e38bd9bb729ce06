import LikenessKernels

/// The kernels compiled for AVX-512 (this target is built with `-target-cpu skylake-avx512`).
///
/// Use only when ``InstructionSet/supported`` is `.avx512`: on an older CPU these stop the process
/// with an illegal instruction.
public let avx512Kernels = KernelTable(
    instructionSet: .avx512, tileRows: Tile8x32.rows, tileColumns: 16 * Tile8x32.vectors,
    gemm: { PackedGemm.run($0, wide: Tile8x32.self, narrow: Tile8x16.self) },
    directConvolution: { DirectConvolution.run($0) },
    gatherK4S2P1: { TransposedGather.k4s2p1($0) },
    im2col: { Im2col.run($0) })
