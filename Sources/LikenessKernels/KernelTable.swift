// MARK: - KernelTable

/// The kernels of one instruction set, as function values: each ISA module builds one whose
/// closures inline this module's `@inlinable` bodies, so they are compiled for that module's CPU.
public struct KernelTable: Sendable {
    public let instructionSet: InstructionSet
    /// Rows of A per packed GEMM panel (``PackedGemm/pack(_:rows:columns:tileRows:)``).
    public let tileRows: Int
    /// Columns of the wide micro-kernel tile: a B with exactly this leading dimension is read in
    /// place, without copying it into a packed block.
    public let tileColumns: Int
    public let gemm: @Sendable (GemmArguments) -> Void
    public let directConvolution: @Sendable (DirectConvolutionArguments) -> Void
    /// A 3x3 "same" convolution of a band as fused Winograd F(2x2, 3x3) (``WinogradBand``).
    public let winogradBand: @Sendable (DirectConvolutionArguments) -> Void
    /// A band's pixel shuffle plus residual into the output (``PixelShuffleStore``).
    public let pixelShuffle: @Sendable (PixelShuffleArguments) -> Void
    public let gatherK4S2P1: @Sendable (GatherArguments) -> Void
    public let im2col: @Sendable (Im2colArguments) -> Void
    public let transposedK4S2P1: @Sendable (TransposedConvolutionArguments) -> Void
    public let winogradInput: @Sendable (WinogradInputArguments) -> Void
    public let winogradOutput: @Sendable (WinogradOutputArguments) -> Void
    /// Sigmoid or tanh over a buffer, in place (``CurveKernel``).
    public let curve: @Sendable (UnsafeMutablePointer<Float>, Int, CurveFunction) -> Void

    public init(instructionSet: InstructionSet, tileRows: Int, tileColumns: Int,
                gemm: @escaping @Sendable (GemmArguments) -> Void,
                directConvolution: @escaping @Sendable (DirectConvolutionArguments) -> Void,
                winogradBand: @escaping @Sendable (DirectConvolutionArguments) -> Void,
                pixelShuffle: @escaping @Sendable (PixelShuffleArguments) -> Void,
                gatherK4S2P1: @escaping @Sendable (GatherArguments) -> Void,
                im2col: @escaping @Sendable (Im2colArguments) -> Void,
                transposedK4S2P1: @escaping @Sendable (TransposedConvolutionArguments) -> Void,
                winogradInput: @escaping @Sendable (WinogradInputArguments) -> Void,
                winogradOutput: @escaping @Sendable (WinogradOutputArguments) -> Void,
                curve: @escaping @Sendable (UnsafeMutablePointer<Float>, Int, CurveFunction) -> Void) {
        self.instructionSet = instructionSet
        self.tileRows = tileRows
        self.tileColumns = tileColumns
        self.gemm = gemm
        self.directConvolution = directConvolution
        self.winogradBand = winogradBand
        self.pixelShuffle = pixelShuffle
        self.gatherK4S2P1 = gatherK4S2P1
        self.im2col = im2col
        self.transposedK4S2P1 = transposedK4S2P1
        self.winogradInput = winogradInput
        self.winogradOutput = winogradOutput
        self.curve = curve
    }
}
