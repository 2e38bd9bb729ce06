import Foundation

// MARK: - DetailStage

/// A model after the generator: a ``CompiledModel`` that keeps the detail-stage contract,
/// planar float image in, a larger planar float image out.
///
/// The contract: one input float32 `[1, 3, H, W]` and one output float32 `[1, 3, sH, sW]`, both
/// in `[-1, 1]`, with the integer scale `s` ≥ 1 the same on both axes (a refiner ×2, a painter ×4).
/// The ONNX `metadata_props` carry `likeness.stage` = `detail`, `likeness.scale` and
/// `likeness.card`. Shapes are fixed in the file (no symbolic dimension).
public final class DetailStage: @unchecked Sendable {
    public let model: CompiledModel
    public let inputWidth: Int, inputHeight: Int
    public let outputWidth: Int, outputHeight: Int
    /// Output size / input size.
    public let scale: Int

    public var metadata: [String: String] { model.metadata }
    /// Billions of floating-point operations per frame.
    public var gflopPerFrame: Double { model.gflop }

    /// Loads and plans the stage at `url`.
    public convenience init(contentsOf url: URL, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.load(contentsOf: url), options: options)
    }

    /// Loads and plans a stage from its serialized ONNX bytes.
    public convenience init(data: Data, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.parse(data), options: options)
    }

    init(graph: Graph, options: EngineOptions) throws(EngineError) {
        let declared = graph.inputShape
        guard declared.count == 4, declared[1] == 3 || declared[1] == nil else {
            throw .badSignature("input '\(graph.inputName)' has shape \(declared.map { $0.map(String.init) ?? "?" }), expected [1, 3, H, W] (a detail stage takes an image)")
        }
        let model = try CompiledModel(graph: graph, batchSize: 1, options: options)
        let i = model.inputShape, o = model.outputShape
        guard i.count == 4, i[0] == 1, i[1] == 3 else { throw .badSignature("input shape \(i), expected [1, 3, H, W]") }
        guard o.count == 4, o[0] == 1, o[1] == 3, o[2] % i[2] == 0, o[3] % i[3] == 0, o[2] / i[2] == o[3] / i[3] else {
            throw .badSignature("output '\(graph.outputName)' has shape \(o), expected [1, 3, s·\(i[2]), s·\(i[3])] for a whole scale s")
        }
        if let declaredScale = graph.metadata["likeness.scale"], Int(declaredScale) != o[2] / i[2] {
            throw .badSignature("metadata likeness.scale = \(declaredScale), but the graph scales by \(o[2] / i[2])")
        }
        self.model = model
        inputHeight = i[2]; inputWidth = i[3]
        outputHeight = o[2]; outputWidth = o[3]
        scale = o[2] / i[2]
    }

    /// Runs the stage: `input` 3 · H · W floats, `output` at least 3 · sH · sW floats, planar.
    public func run(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        model.run(input, into: output)
    }
}
