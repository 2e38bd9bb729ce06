import ArgumentParser
import Foundation
import LikenessLineage
import LikenessShow
import LikenessTaste

// MARK: - info

/// `likeness info`: what a model is and what it costs.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's (or a detail stage's) card, input and output shapes, and GFLOP per frame.",
        discussion: """
        For a generator it also lists the detail stages [model] detail = "auto" (the default) would run after it \
        (the shipped stages beside its folder, as far as they fit it) and what the chain costs.
        """
    )

    @Argument(help: ArgumentHelp("The model (.onnx).", valueName: "model"))
    var model: String = Exhibition().model.path

    @Flag(help: "Print everything as JSON, the whole model card included (for scripts).")
    var json = false

    @Option(help: ArgumentHelp("Also say what this taste file holds for the model (ratings, favourites).", valueName: "file"))
    var taste: String?

    func run() throws {
        do {
            let url = try Exhibition().resolveModel(overridePath: model)
            // A detail stage (image in, larger image out) is described as one; anything else must be a generator.
            if let stage = try? DetailStageFile.load(url: url) {
                print(json ? stage.jsonSummary : stage.summary)
                return
            }
            var loaded = try LoadedModel.load(url: url)
            // What `[model] detail = "auto"` (the default) would run after this generator.
            loaded.detail = try LoadedModel.automaticDetail(beside: url, picture: loaded.generatorShape)
            loaded.detailIsAutomatic = true
            let lineage = try Lineage.load(forModel: url)
            print(json ? Self.addingLineage(lineage, to: loaded.jsonSummary) : loaded.summary + "\n" + Self.lineageLine(lineage))
            if let taste {
                let loadedTaste = try LoadedTaste.load(url: URL(fileURLWithPath: taste), model: loaded)
                var line = "taste        \(loadedTaste.summary().dropFirst("taste ".count))"
                if loadedTaste.otherModelRatings > 0 { line += "; \(loadedTaste.otherModelRatings) ratings of other models kept, ignored" }
                print(line)
            }
        } catch {
            throw fail(error)
        }
    }

    /// Whether the model carries lineage (index, extractor, works, atlas beside it), in one line.
    static func lineageLine(_ lineage: Lineage?) -> String {
        guard let lineage else { return "lineage      none (the show credits the collection; `make lineage` builds an index)" }
        let i = lineage.index
        return "lineage      \(i.count) faces of \(i.workCount) works (\(lineage.works.works.values.filter { !$0.title.isEmpty }.count) with titles), "
            + "\(i.dimension)-number embeddings by \(i.extractor), \(String(format: "%.3f", lineage.extractor.gflopPerPicture)) GFLOP"
    }

    static func addingLineage(_ lineage: Lineage?, to json: String) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return json }
        if let lineage {
            object["lineage"] = ["faces": lineage.index.count, "works": lineage.index.workCount, "dimension": lineage.index.dimension,
                                 "extractor": lineage.extractorURL.path, "atlas": lineage.atlasURL.path] as [String: Any]
        } else {
            object["lineage"] = NSNull()
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
