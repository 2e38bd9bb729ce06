import ArgumentParser
import Foundation
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
            if let stage = try? LoadedStage.load(url: url) {
                print(json ? stage.jsonSummary : stage.summary)
                return
            }
            var loaded = try LoadedModel.load(url: url)
            // What `[model] detail = "auto"` (the default) would run after this generator.
            loaded.detail = try LoadedModel.automaticDetail(beside: url, picture: loaded.generatorShape)
            loaded.detailIsAutomatic = true
            print(json ? loaded.jsonSummary : loaded.summary)
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
}
