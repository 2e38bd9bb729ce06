import Foundation

// MARK: - Generator

/// A GAN generator: a ``CompiledModel`` that keeps the Likeness contract, latent vectors in,
/// planar float portraits out.
///
/// The contract: one input `z` float32 `[N, zDim]`, one output `image` float32 `[N, 3, H, W]`
/// in `[-1, 1]`. Everything is validated and planned at load for a fixed `batchSize`; afterwards
/// ``render(latents:into:)`` never fails and allocates nothing. Turning the planes into RGB8 is the
/// frame pipeline's job (`LikenessMedia`), done once per frame with one rounding rule.
///
/// Not safe for concurrent use: create one per generating thread.
public final class Generator: @unchecked Sendable {
    /// The planned model underneath.
    public let model: CompiledModel
    /// Length of one latent vector.
    public let zDim: Int
    public let imageWidth: Int
    public let imageHeight: Int
    /// Frames per call.
    public let batchSize: Int

    /// Threads used per frame (the caller's plus workers).
    public var threads: Int { model.threads }
    /// The model's ONNX `metadata_props`, e.g. `likeness.card` → model card JSON.
    public var metadata: [String: String] { model.metadata }
    /// Billions of floating-point operations per frame (multiply-add = 2).
    public var gflopPerFrame: Double { model.gflop / Double(batchSize) }
    /// Floats of one frame's planes (3 · H · W).
    public var planeFloatCount: Int { 3 * imageWidth * imageHeight }

    /// Loads and plans the model at `url`.
    ///
    /// - Parameters:
    ///   - batchSize: frames per call (≥ 1).
    ///   - threads: threads per frame; 0 picks automatically (2 on a 2-core machine). Overrides `options.threads`.
    public convenience init(contentsOf url: URL, batchSize: Int = 1, threads: Int = 0, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.load(contentsOf: url), batchSize: batchSize, options: options.with(threads: threads))
    }

    /// Loads and plans a model from its serialized ONNX bytes.
    public convenience init(data: Data, batchSize: Int = 1, threads: Int = 0, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.parse(data), batchSize: batchSize, options: options.with(threads: threads))
    }

    /// Loads and plans a model from its serialized ONNX bytes.
    public convenience init(data: [UInt8], batchSize: Int = 1, threads: Int = 0, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(data: Data(data), batchSize: batchSize, threads: threads, options: options)
    }

    init(graph: Graph, batchSize: Int, options: EngineOptions) throws(EngineError) {
        guard graph.inputShape.count == 2 else {
            throw .badSignature("input '\(graph.inputName)' has rank \(graph.inputShape.count), expected 2 ([N, zDim]); an image-to-image model is a detail stage (DetailStage)")
        }
        let model = try CompiledModel(graph: graph, batchSize: batchSize, options: options)
        let out = model.outputShape
        guard out.count == 4, out[0] == batchSize, out[1] == 3 else {
            throw .badSignature("output '\(graph.outputName)' has shape \(out), expected [\(batchSize), 3, H, W]")
        }
        self.model = model
        self.batchSize = batchSize
        zDim = model.inputShape[1]
        imageHeight = out[2]
        imageWidth = out[3]
    }


    // MARK: Rendering

    /// Runs the model; writes `batchSize` images [N, 3, H, W] as planar floats in [-1, 1].
    ///
    /// - Parameters:
    ///   - latents: `batchSize * zDim` floats, frame after frame.
    ///   - planes: at least `batchSize * 3 * imageHeight * imageWidth` floats.
    public func render(latents: UnsafeBufferPointer<Float>, into planes: UnsafeMutableBufferPointer<Float>) {
        precondition(latents.count == batchSize * zDim, "render needs \(batchSize * zDim) latent floats, got \(latents.count)")
        model.run(latents, into: planes)
    }

    /// Renders like ``render(latents:into:)`` and adds each layer's nanoseconds to `layerNanoseconds`.
    public func render(latents: UnsafeBufferPointer<Float>, into planes: UnsafeMutableBufferPointer<Float>,
                       layerNanoseconds: UnsafeMutableBufferPointer<UInt64>, threadCPUClock: Bool = false) {
        precondition(latents.count == batchSize * zDim && planes.count >= model.outputCount, "bad buffer sizes")
        model.withUnsafeMutableInput { input in
            guard let src = latents.baseAddress, let dst = input.baseAddress else { return }
            dst.update(from: src, count: latents.count)
        }
        model.run(layerNanoseconds: layerNanoseconds, threadCPUClock: threadCPUClock)
        model.withUnsafeOutput { output in
            guard let src = output.baseAddress, let dst = planes.baseAddress else { return }
            dst.update(from: src, count: output.count)
        }
    }

    /// Runs the model and returns the raw output `[batchSize, 3, H, W]` (NCHW floats in [-1, 1]; allocates).
    public func forward(latents: [Float]) -> [Float] {
        precondition(latents.count == batchSize * zDim, "forward needs \(batchSize * zDim) latent floats, got \(latents.count)")
        return model.evaluate(latents)
    }

    // MARK: Profiling

    /// The planned layers in execution order (GFLOP for the whole batch).
    public var layers: [CompiledModel.Layer] { model.layers }
    /// Bytes of the activation arena.
    public var arenaBytes: Int { model.arenaBytes }
    /// The threading strategy in use ("own" pool or "blas" threads).
    public var threadingDescription: String { model.threadingDescription }
    /// The convolution kernels in use: the packed GEMM and its instruction set, or OpenBLAS sgemm.
    public var kernelDescription: String { model.kernelDescription }
}
