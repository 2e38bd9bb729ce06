import LikenessKernels

// MARK: - EngineOptions

/// How a model is planned and run: threads, kernels, Winograd and the threading strategy.
///
/// The engine never reads the environment itself; the command-line tool builds these from
/// `LIKENESS_KERNELS`, `LIKENESS_WINOGRAD`, `LIKENESS_THREADING`, `LIKENESS_BAND_CHAINS` and
/// `LIKENESS_BAND_ROWS` with
/// ``init(environment:)``, and everything else passes them explicitly.
public struct EngineOptions: Sendable, Equatable {
    /// Which convolution kernels to use.
    public enum Kernels: String, Sendable, Equatable, CaseIterable {
        /// The best packed GEMM this CPU has (AVX-512, then AVX2), else OpenBLAS.
        case automatic = "auto"
        /// OpenBLAS sgemm and the portable code only.
        case baseline
        /// At most AVX2 + FMA.
        case avx2
        /// At most AVX-512.
        case avx512
    }

    /// How a frame uses the cores.
    public enum Threading: String, Sendable, Equatable, CaseIterable {
        /// The engine's own pool splits every layer; sgemm single-threaded (measured faster).
        case own
        /// OpenBLAS's threads inside each sgemm.
        case blas
    }

    /// Threads per frame (the caller's plus workers); 0 picks automatically (at most 2).
    public var threads: Int
    public var kernels: Kernels
    /// Whether 3x3 stride-1 convolutions may run as Winograd F(2x2, 3x3).
    public var winograd: Bool
    public var threading: Threading
    /// Whether the fusion pass merges BatchNorm, activations, channel gates and MatMul biases
    /// into their producers (off: every node its own step; for checking the pass).
    public var fusion: Bool
    /// Whether runs of same-size convolutions (a detail stage's body, its pixel shuffle and residual)
    /// run as one band-tiled step (``BandChain``) instead of layer after layer.
    public var bandChains: Bool
    /// Output rows per band of a band chain.
    public var bandRows: Int
    public static let defaultBandRows = 16

    public init(threads: Int = 0, kernels: Kernels = .automatic, winograd: Bool = true, threading: Threading = .own, fusion: Bool = true,
                bandChains: Bool = true, bandRows: Int = EngineOptions.defaultBandRows) {
        self.fusion = fusion
        self.bandChains = bandChains
        self.bandRows = max(1, bandRows)
        self.threads = threads
        self.kernels = kernels
        self.winograd = winograd
        self.threading = threading
    }

    /// The defaults, changed by `LIKENESS_KERNELS=baseline|avx2|avx512`, `LIKENESS_WINOGRAD=off`,
    /// `LIKENESS_THREADING=own|blas`, `LIKENESS_BAND_CHAINS=off` and `LIKENESS_BAND_ROWS=N` in
    /// `environment`; unknown values are ignored.
    public init(environment: [String: String], threads: Int = 0) {
        self.init(threads: threads)
        if let raw = environment["LIKENESS_KERNELS"]?.lowercased(), let k = Kernels(rawValue: raw) { kernels = k }
        if environment["LIKENESS_WINOGRAD"]?.lowercased() == "off" { winograd = false }
        if let raw = environment["LIKENESS_THREADING"]?.lowercased(), let t = Threading(rawValue: raw) { threading = t }
        if environment["LIKENESS_BAND_CHAINS"]?.lowercased() == "off" { bandChains = false }
        if let raw = environment["LIKENESS_BAND_ROWS"], let rows = Int(raw), (1...1024).contains(rows) { bandRows = rows }
    }

    /// A copy with another thread count.
    public func with(threads: Int) -> EngineOptions {
        var copy = self
        copy.threads = threads
        return copy
    }

    /// The packed kernels these options select on this CPU; nil: OpenBLAS.
    var packedKernels: PackedKernels? {
        let supported = InstructionSet.supported
        switch kernels {
        case .automatic: return PackedKernels.select(supported)
        case .baseline: return nil
        case .avx2: return PackedKernels.select(min(.avx2, supported))
        case .avx512: return PackedKernels.select(min(.avx512, supported))
        }
    }

    /// Threads actually used: `threads`, or the automatic choice for 0.
    var resolvedThreads: Int { threads == 0 ? CompiledModel.automaticThreads : threads }
}
