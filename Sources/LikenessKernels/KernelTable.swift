// MARK: - KernelTable

/// The kernels of one instruction set, as function values: each ISA module builds one whose
/// closures inline this module's `@inlinable` bodies, so they are compiled for that module's CPU.
public struct KernelTable: Sendable {
    public let instructionSet: InstructionSet
    /// Rows of A per packed GEMM panel (``PackedGemm/pack(_:rows:columns:tileRows:)``).
    public let tileRows: Int
    public let gemm: @Sendable (GemmArguments) -> Void
    public let directConvolution: @Sendable (DirectConvolutionArguments) -> Void
    public let gatherK4S2P1: @Sendable (GatherArguments) -> Void

    public init(instructionSet: InstructionSet, tileRows: Int,
                gemm: @escaping @Sendable (GemmArguments) -> Void,
                directConvolution: @escaping @Sendable (DirectConvolutionArguments) -> Void,
                gatherK4S2P1: @escaping @Sendable (GatherArguments) -> Void) {
        self.instructionSet = instructionSet
        self.tileRows = tileRows
        self.gemm = gemm
        self.directConvolution = directConvolution
        self.gatherK4S2P1 = gatherK4S2P1
    }
}
