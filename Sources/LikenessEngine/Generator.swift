import Foundation

// MARK: - Generator

/// A GAN generator loaded from ONNX and planned for the CPU: latent vectors in, RGB8 portraits out.
///
/// The model contract: one input `z` float32 `[N, zDim]`, one output `image` float32 `[N, 3, H, W]`
/// in `[-1, 1]`. Everything is validated and planned at load for a fixed `batchSize`; afterwards
/// ``renderRGB(latents:into:)`` never fails and allocates nothing.
///
/// Not safe for concurrent use: create one per generating thread. It is `Sendable` only so that it
/// can be created on one thread and handed to another.
public final class Generator: @unchecked Sendable {
    /// Length of one latent vector.
    public let zDim: Int
    public let imageWidth: Int
    public let imageHeight: Int
    /// Frames per call.
    public let batchSize: Int
    /// Threads used per frame (the caller's plus workers).
    public let threads: Int
    /// The model's ONNX `metadata_props`, e.g. `likeness.card` → model card JSON.
    public let metadata: [String: String]

    let plan: ExecutionPlan
    let mode: ThreadingMode

    /// Billions of floating-point operations per frame (multiply-add = 2).
    public var gflopPerFrame: Double { plan.flops / Double(batchSize) / 1e9 }

    /// Loads and plans the model at `url`.
    ///
    /// - Parameters:
    ///   - batchSize: frames per call (≥ 1).
    ///   - threads: threads per frame; 0 picks automatically (2 on a 2-core machine).
    public convenience init(contentsOf url: URL, batchSize: Int = 1, threads: Int = 0) throws(EngineError) {
        try self.init(graph: try ModelLoader.load(contentsOf: url), batchSize: batchSize, threads: threads)
    }

    /// Loads and plans a model from its serialized ONNX bytes.
    public convenience init(data: Data, batchSize: Int = 1, threads: Int = 0) throws(EngineError) {
        try self.init(graph: try ModelLoader.parse(data), batchSize: batchSize, threads: threads)
    }

    /// Loads and plans a model from its serialized ONNX bytes.
    public convenience init(data: [UInt8], batchSize: Int = 1, threads: Int = 0) throws(EngineError) {
        try self.init(data: Data(data), batchSize: batchSize, threads: threads)
    }

    init(graph: Graph, batchSize: Int, threads requested: Int) throws(EngineError) {
        guard batchSize >= 1, batchSize <= 4096 else { throw .invalidArgument("batch size must be between 1 and 4096, got \(batchSize)") }
        guard requested >= 0, requested <= 256 else { throw .invalidArgument("threads must be between 0 (auto) and 256, got \(requested)") }
        guard graph.inputShape.count == 2 else {
            throw .badSignature("input '\(graph.inputName)' has rank \(graph.inputShape.count), expected 2 ([N, zDim])")
        }
        let threads = requested == 0 ? Generator.automaticThreads : requested
        let mode = ThreadingMode.current
        self.mode = mode
        self.threads = threads
        BLAS.setThreads(mode == .own ? 1 : threads)
        var planner = Planner(graph: graph, batchSize: batchSize, threads: mode == .own ? threads : 1)
        let plan = try planner.plan()
        let out = plan.outputShape
        guard out.count == 4, out[0] == batchSize, out[1] == 3 else {
            throw .badSignature("output '\(graph.outputName)' has shape \(out), expected [\(batchSize), 3, H, W]")
        }
        self.plan = plan
        kernelDescription = planner.kernels.map { "\($0.instructionSet.rawValue) packed GEMM" } ?? "OpenBLAS sgemm"
        self.batchSize = batchSize
        zDim = plan.inputShape[1]
        imageHeight = out[2]
        imageWidth = out[3]
        metadata = graph.metadata
    }

    /// Threads used when the caller passes 0: both cores of the target machine, at most 2.
    public static var automaticThreads: Int { max(1, min(2, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Bytes of one RGB8 frame.
    public var frameByteCount: Int { imageWidth * imageHeight * 3 }

    // MARK: Rendering

    /// Renders `batchSize` frames.
    ///
    /// - Parameters:
    ///   - latents: `batchSize * zDim` floats, frame after frame.
    ///   - output: `batchSize * imageHeight * imageWidth * 3` bytes: RGB8, interleaved, row-major,
    ///     `byte = clamp(round((x + 1) * 127.5), 0, 255)`.
    public func renderRGB(latents: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(latents.count == batchSize * zDim, "renderRGB needs \(batchSize * zDim) latent floats, got \(latents.count)")
        precondition(output.count >= batchSize * frameByteCount, "renderRGB needs an output of \(batchSize * frameByteCount) bytes, got \(output.count)")
        guard let src = latents.baseAddress, let dst = output.baseAddress else { return }
        plan.input.update(from: src, count: latents.count)
        plan.run()
        let pixels = imageWidth * imageHeight
        for n in 0..<batchSize {
            RGBConversion.convert(planes: plan.output + n * 3 * pixels, pixelCount: pixels, into: dst + n * frameByteCount)
        }
    }

    /// Runs the model; writes `batchSize` images [N, 3, H, W] as planar floats in [-1, 1].
    public func render(latents: UnsafeBufferPointer<Float>, into planes: UnsafeMutableBufferPointer<Float>) {
        precondition(latents.count == batchSize * zDim && planes.count >= batchSize * 3 * imageWidth * imageHeight)
        guard let src = latents.baseAddress, let dst = planes.baseAddress else { return }
        plan.input.update(from: src, count: latents.count); plan.run()
        dst.update(from: plan.output, count: batchSize * 3 * imageWidth * imageHeight)
    }

    /// Renders `batchSize` frames into a new array (allocates; see ``renderRGB(latents:into:)``).
    public func renderRGB(latents: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: batchSize * frameByteCount)
        latents.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBufferPointer { dst in renderRGB(latents: src, into: dst) }
        }
        return bytes
    }

    /// Runs the model and returns the raw output `[batchSize, 3, H, W]` (NCHW floats in [-1, 1]).
    public func forward(latents: [Float]) -> [Float] {
        precondition(latents.count == batchSize * zDim, "forward needs \(batchSize * zDim) latent floats, got \(latents.count)")
        return plan.evaluate(latents)
    }

    // MARK: Profiling

    /// One planned layer (after fusion), for benchmarks.
    public struct Layer: Sendable {
        /// The exporter's node name.
        public let name: String
        /// The ONNX operator (fused BatchNorm/activations are folded into it).
        public let opType: String
        /// GFLOP per frame.
        public let gflopPerFrame: Double
        /// GEMM shape (M, N, K) per sgemm call, when the layer is a GEMM-based kernel.
        public let gemmShape: (m: Int, n: Int, k: Int)?
        /// Number of such sgemm calls per frame.
        public let gemmCallsPerFrame: Int
    }

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
            return Layer(name: step.name, opType: step.opType, gflopPerFrame: step.flops / Double(batchSize) / 1e9,
                         gemmShape: gemm.map { (m: $0.0, n: $0.1, k: $0.2) }, gemmCallsPerFrame: calls)
        }
    }

    /// Renders like ``renderRGB(latents:into:)`` and adds each layer's nanoseconds to `layerNanoseconds`.
    ///
    /// With `threadCPUClock`, layers are timed by the calling thread's CPU clock rather than the wall clock.
    public func renderRGB(latents: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>, layerNanoseconds: UnsafeMutableBufferPointer<UInt64>, threadCPUClock: Bool = false) {
        precondition(layerNanoseconds.count >= plan.steps.count, "need \(plan.steps.count) timing slots")
        guard let src = latents.baseAddress, let dst = output.baseAddress else { return }
        precondition(latents.count == batchSize * zDim && output.count >= batchSize * frameByteCount, "bad buffer sizes")
        plan.input.update(from: src, count: latents.count)
        plan.run(timings: layerNanoseconds.baseAddress, threadCPUClock: threadCPUClock)
        let pixels = imageWidth * imageHeight
        for n in 0..<batchSize {
            RGBConversion.convert(planes: plan.output + n * 3 * pixels, pixelCount: pixels, into: dst + n * frameByteCount)
        }
    }

    /// Bytes of the activation arena.
    public var arenaBytes: Int { plan.arenaCount * MemoryLayout<Float>.size }

    /// The threading strategy in use ("own" pool or "blas" threads).
    public var threadingDescription: String { mode.rawValue }

    /// The convolution kernels in use: the packed GEMM and its instruction set (chosen from the
    /// CPU, lowered with `LIKENESS_KERNELS=baseline|avx2|avx512`), or OpenBLAS sgemm.
    public let kernelDescription: String
}
