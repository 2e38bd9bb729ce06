import Foundation

// MARK: - CompiledModel

/// Any ONNX graph with one float input and one float output, planned once for fixed shapes.
///
/// The graph is validated, fused and laid out in one arena at load; ``run(_:into:)`` and
/// ``run()`` never fail and allocate nothing. The input's batch dimension may be symbolic (it
/// becomes `batchSize`); every other dimension must be fixed in the file. Shapes are row-major
/// (NCHW for images), as in ONNX.
///
/// Not safe for concurrent use: create one per running thread. It is `Sendable` only so that it
/// can be created on one thread and handed to another.
public final class CompiledModel: @unchecked Sendable {
    /// The graph input's name and its planned shape (batch first).
    public let inputName: String
    public let inputShape: [Int]
    /// The graph output's name and its planned shape.
    public let outputName: String
    public let outputShape: [Int]
    /// The model's ONNX `metadata_props`, e.g. `likeness.card` → model card JSON.
    public let metadata: [String: String]
    /// The options the model was planned with (threads resolved).
    public let options: EngineOptions
    /// Threads used per run (the caller's plus workers).
    public var threads: Int { options.threads }

    let plan: ExecutionPlan
    /// The packed kernels in use, or nil (OpenBLAS).
    let kernels: PackedKernels?

    /// Loads and plans the model at `url`.
    public convenience init(contentsOf url: URL, batchSize: Int = 1, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.load(contentsOf: url), batchSize: batchSize, options: options)
    }

    /// Loads and plans a model from its serialized ONNX bytes.
    public convenience init(data: Data, batchSize: Int = 1, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.parse(data), batchSize: batchSize, options: options)
    }

    init(graph: Graph, batchSize: Int, options requested: EngineOptions) throws(EngineError) {
        guard batchSize >= 1, batchSize <= 4096 else { throw .invalidArgument("batch size must be between 1 and 4096, got \(batchSize)") }
        guard requested.threads >= 0, requested.threads <= 256 else {
            throw .invalidArgument("threads must be between 0 (auto) and 256, got \(requested.threads)")
        }
        var options = requested
        options.threads = requested.resolvedThreads
        let own = options.threading == .own
        BLAS.setThreads(own ? 1 : options.threads)
        let kernels = options.packedKernels
        var planner = Planner(graph: graph, batchSize: batchSize, threads: own ? options.threads : 1,
                              kernels: kernels, winograd: options.winograd, fusion: options.fusion,
                              bandChains: options.bandChains, bandRows: options.bandRows)
        plan = try planner.plan()
        self.kernels = kernels
        self.options = options
        inputName = graph.inputName
        inputShape = plan.inputShape
        outputName = graph.outputName
        outputShape = plan.outputShape
        metadata = graph.metadata
    }

    /// Threads used when the options say 0: both cores of the target machine, at most 2.
    public static var automaticThreads: Int { max(1, min(2, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Floats of one input (the whole batch).
    public var inputCount: Int { plan.inputCount }
    /// Floats of one output (the whole batch).
    public var outputCount: Int { plan.outputCount }
    /// Billions of floating-point operations per run (multiply-add = 2), the whole batch.
    public var gflop: Double { plan.flops / 1e9 }
    /// Bytes of the activation arena.
    public var arenaBytes: Int { plan.arenaCount * MemoryLayout<Float>.size }

    // MARK: Running

    /// Copies `input` in, runs, and copies the output into `output`.
    ///
    /// - Parameters:
    ///   - input: ``inputCount`` floats, laid out as ``inputShape``.
    ///   - output: at least ``outputCount`` floats, laid out as ``outputShape``.
    public func run(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == inputCount, "the model needs \(inputCount) input floats, got \(input.count)")
        precondition(output.count >= outputCount, "the model needs an output of \(outputCount) floats, got \(output.count)")
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        plan.input.update(from: src, count: inputCount)
        plan.run()
        dst.update(from: plan.output, count: outputCount)
    }

    /// Gives `body` the model's own input buffer to fill (no copy), e.g. a previous stage writes into it.
    public func withUnsafeMutableInput<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: plan.input, count: inputCount))
    }

    /// Gives `body` the model's own output buffer (valid until the next run; no copy).
    public func withUnsafeOutput<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: plan.output, count: outputCount))
    }

    /// Runs on the model's own input buffer (see ``withUnsafeMutableInput(_:)``).
    public func run() { plan.run() }

    /// Runs and adds each planned layer's nanoseconds to `layerNanoseconds` (at least ``layers``.count slots).
    ///
    /// With `threadCPUClock`, layers are timed by the calling thread's CPU clock rather than the wall clock.
    public func run(layerNanoseconds: UnsafeMutableBufferPointer<UInt64>, threadCPUClock: Bool = false) {
        precondition(layerNanoseconds.count >= plan.steps.count, "need \(plan.steps.count) timing slots")
        plan.run(timings: layerNanoseconds.baseAddress, threadCPUClock: threadCPUClock)
    }

    /// Copies `values` in, runs, and returns a copy of the output (allocates; for tests and tools).
    public func evaluate(_ values: [Float]) -> [Float] { plan.evaluate(values) }

    // MARK: Profiling

    /// One planned layer (after fusion), for benchmarks.
    public struct Layer: Sendable {
        /// The exporter's node name.
        public let name: String
        /// The ONNX operator (fused BatchNorm/activations are folded into it).
        public let opType: String
        /// GFLOP per run.
        public let gflop: Double
        /// GEMM shape (M, N, K) per sgemm call, when the layer is a GEMM-based kernel.
        public let gemmShape: (m: Int, n: Int, k: Int)?
        /// Number of such sgemm calls per run.
        public let gemmCalls: Int
        /// Bytes of activations the layer reads and writes (its inputs and outputs once each).
        public let bytesMoved: Int
    }

    /// Bytes of activations all layers read and write per run: the traffic to memory when no
    /// activation stays in cache from one layer to the next (a fused band keeps its inner ones).
    public var bytesMoved: Int { plan.steps.reduce(0) { $0 + $1.bytesMoved } }

    /// The planned layers in execution order.
    public var layers: [Layer] {
        plan.steps.map { step in
            var gemm: (Int, Int, Int)? = nil
            var calls = 0
            if let s = step as? ConvStep {
                gemm = (s.g.outputChannelsPerGroup, s.g.outputHeight * s.g.outputWidth, s.k)
                calls = s.g.groups
            } else if let s = step as? ConvTransposeStep {
                gemm = (s.g.outputChannelsPerGroup * s.kk, s.g.inputHeight * s.g.inputWidth, s.g.inputChannelsPerGroup)
                calls = s.g.groups
            } else if let s = step as? GemmStep {
                gemm = (s.shape.m, s.shape.n, s.shape.k)
                calls = s.shape.batch
            }
            return Layer(name: step.name, opType: step.opType, gflop: step.flops / 1e9,
                         gemmShape: gemm.map { (m: $0.0, n: $0.1, k: $0.2) }, gemmCalls: calls, bytesMoved: step.bytesMoved)
        }
    }

    /// The threading strategy in use ("own" pool or "blas" threads).
    public var threadingDescription: String { options.threading.rawValue }

    /// The convolution kernels in use: the packed GEMM and its instruction set, or OpenBLAS sgemm.
    public var kernelDescription: String {
        kernels.map { "\($0.instructionSet.rawValue) packed GEMM" } ?? "OpenBLAS sgemm"
    }
}
