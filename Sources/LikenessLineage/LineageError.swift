import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - LineageError

/// Everything that can go wrong while loading a model's lineage (index, extractor, atlas, works table)
/// or reading a picture to look up. Every ``description`` ends with a hint.
public enum LineageError: Error, CustomStringConvertible, Sendable {
    /// A lineage file could not be read.
    case unreadable(path: String, reason: String)
    /// The index (`lineage.json`) is not what build_lineage.py writes.
    case badIndex(path: String, detail: String)
    /// The works table (`works.csv`) is malformed.
    case badWorks(path: String, line: Int, detail: String)
    /// The atlas (`lineage-atlas.png`) does not hold the index's thumbnails.
    case badAtlas(path: String, detail: String)
    /// The extractor (`lineage.onnx`) failed to load or does not match the index.
    case extractor(path: String, EngineError)
    /// The extractor's embedding length differs from the index's.
    case dimensionMismatch(path: String, extractor: Int, index: Int)
    /// A picture to look up could not be read.
    case picture(MediaError)
    /// The model has no lineage beside it.
    case missing(model: String)

    public static let rebuildHint = "rebuild the model's lineage with `make lineage` (Models/training/build_lineage.py)"

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read lineage file '\(path)': \(reason); \(Self.rebuildHint)"
        case let .badIndex(path, detail):
            return "lineage index '\(path)' is broken: \(detail); \(Self.rebuildHint)"
        case let .badWorks(path, line, detail):
            return "works table '\(path)', line \(line): \(detail); \(Self.rebuildHint), which copies the model's rows of ../shared/datasets/met-portraits/works.csv"
        case let .badAtlas(path, detail):
            return "lineage atlas '\(path)' is broken: \(detail); \(Self.rebuildHint)"
        case let .extractor(path, error):
            return "lineage extractor '\(path)': \(error)"
        case let .dimensionMismatch(path, extractor, index):
            return "lineage extractor '\(path)' makes \(extractor)-number embeddings but the index holds \(index)-number ones; \(Self.rebuildHint)"
        case let .picture(error):
            return "\(error)"
        case let .missing(model):
            return "the model '\(model)' carries no lineage (no lineage.json beside it); \(Self.rebuildHint)"
        }
    }
}
