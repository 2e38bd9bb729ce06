import Foundation

// MARK: - LineageExtractor

/// A feature extractor for lineage: a ``CompiledModel`` that keeps the third contract, a picture in,
/// one embedding vector out (which training paintings a face resembles is a nearest-neighbour search
/// over such vectors; see `LikenessLineage`).
///
/// The contract: one input float32 `[1, 3, S, S]` in `[-1, 1]` (a square picture, fixed size) and one
/// output float32 `[1, D]`, the embedding (compared by cosine, so its scale does not matter). The ONNX
/// `metadata_props` carry `likeness.stage` = `lineage` (so a generator or a detail stage is never taken
/// for one) and `likeness.card`. Made by Models/training/build_lineage.py.
public final class LineageExtractor: @unchecked Sendable {
    public let model: CompiledModel
    /// The side of the square input picture.
    public let inputSize: Int
    /// The embedding's length `D`.
    public let dimension: Int

    public var metadata: [String: String] { model.metadata }
    /// Billions of floating-point operations per picture.
    public var gflopPerPicture: Double { model.gflop }

    /// The `likeness.stage` value of a lineage extractor.
    public static let stage = "lineage"

    /// Loads and plans the extractor at `url`.
    public convenience init(contentsOf url: URL, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.load(contentsOf: url), options: options)
    }

    /// Loads and plans an extractor from its serialized ONNX bytes.
    public convenience init(data: Data, options: EngineOptions = EngineOptions()) throws(EngineError) {
        try self.init(graph: try ModelLoader.parse(data), options: options)
    }

    init(graph: Graph, options: EngineOptions) throws(EngineError) {
        guard graph.metadata["likeness.stage"] == Self.stage else {
            let found = graph.metadata["likeness.stage"].map { "'\($0)'" } ?? "none"
            throw .badLineageExtractor("metadata likeness.stage is \(found), expected 'lineage'")
        }
        let declared = graph.inputShape
        guard declared.count == 4, declared[1] == 3 || declared[1] == nil else {
            throw .badLineageExtractor("input '\(graph.inputName)' has shape \(declared.map { $0.map(String.init) ?? "?" }), expected [1, 3, S, S] (a lineage extractor takes a picture)")
        }
        let model = try CompiledModel(graph: graph, batchSize: 1, options: options)
        let i = model.inputShape, o = model.outputShape
        guard i.count == 4, i[0] == 1, i[1] == 3, i[2] == i[3] else {
            throw .badLineageExtractor("input shape \(i), expected [1, 3, S, S] (square)")
        }
        guard o.count == 2, o[0] == 1, o[1] >= 1 else {
            throw .badLineageExtractor("output '\(graph.outputName)' has shape \(o), expected [1, D] (one embedding)")
        }
        self.model = model
        inputSize = i[2]
        dimension = o[1]
    }

    /// Embeds one picture: `input` 3 · S · S floats (planar, in [-1, 1]), `output` at least D floats.
    public func run(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        model.run(input, into: output)
    }
}
