import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - DetailStageFile

/// A detail stage read from disk and checked (`likeness.stage = detail`: image in, larger image out): its
/// bytes (each producing thread plans its own ``DetailFrameStage`` from them), shapes, cost and card. The one
/// type for a stage file, in `[model] detail`, in the pipeline's configuration and in `likeness info`.
public struct DetailStageFile: Sendable, Equatable {
    public let url: URL
    /// The ONNX bytes (each producing thread plans its own stage from them).
    public let data: Data
    public var fileBytes: Int { data.count }
    public let inputShape: [Int], outputShape: [Int]
    public let scale: Int
    public let gflopPerFrame: Double
    public let metadata: [String: String]

    public static func == (a: DetailStageFile, b: DetailStageFile) -> Bool {
        a.url == b.url && a.data == b.data
    }

    /// Its name in the overlay and logs: the folder of a `model.onnx` (`met-refiner-256`), else the file's name.
    public var name: String {
        url.lastPathComponent == "model.onnx" ? url.deletingLastPathComponent().lastPathComponent : url.deletingPathExtension().lastPathComponent
    }

    /// The picture it reads and the one it paints, `[3, H, W]`.
    public var input: PlaneShape { PlaneShape(channels: inputShape[1], width: inputShape[3], height: inputShape[2]) }
    public var output: PlaneShape { PlaneShape(channels: outputShape[1], width: outputShape[3], height: outputShape[2]) }

    /// Reads and checks the stage at `url`.
    public static func load(url: URL) throws(ShowError) -> DetailStageFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .modelFailed(path: url.path, reason: "cannot read the file; check its permissions") }
        do {
            let stage = try DetailStage(data: data, options: EngineOptions(threads: 1))
            return DetailStageFile(url: url, data: data, inputShape: stage.model.inputShape, outputShape: stage.model.outputShape,
                               scale: stage.scale, gflopPerFrame: stage.gflopPerFrame, metadata: stage.metadata)
        } catch {
            throw .modelFailed(path: url.path, reason: error.description)
        }
    }

    /// For a person, like ``LoadedModel/summary``.
    public var summary: String {
        let card = metadata["likeness.card"].flatMap { $0.data(using: .utf8) }.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        var lines: [String] = []
        lines.append("stage        \(url.path)")
        lines.append("file size    " + String(format: "%.2f MB", Double(fileBytes) / 1_000_000))
        if let name = card?["name"] as? String { lines.append("name         \(name)") }
        if let credit = card?["credit"] as? String { lines += LoadedModel.wrap("credit       \(credit)", indent: "", hanging: "             ") }
        lines.append("input        image float32 \(inputShape) in [-1, 1]")
        lines.append("output       image float32 \(outputShape) in [-1, 1] (x\(scale))")
        lines.append("cost         " + String(format: "%.3f GFLOP per frame", gflopPerFrame))
        if let card {
            let rest = card.filter { !["name", "credit", "license"].contains($0.key) }
            if !rest.isEmpty {
                lines.append("card")
                for key in LoadedModel.cardOrder(rest.keys) { lines += LoadedModel.outline(key, rest[key] as Any, depth: 1) }
            }
        }
        lines.append("(the whole card: likeness info --json)")
        return lines.joined(separator: "\n")
    }

    public var jsonSummary: String {
        var object: [String: Any] = [
            "stage": url.path, "file_bytes": fileBytes, "input": ["name": "image", "shape": inputShape],
            "output": ["shape": outputShape], "scale": scale, "gflop_per_frame": gflopPerFrame,
            "metadata": metadata.filter { $0.key != "likeness.card" },
        ]
        object["card"] = metadata["likeness.card"].flatMap { $0.data(using: .utf8) }.flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? NSNull()
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
