import ArgumentParser
import Foundation
import LikenessShow

// MARK: - info

/// `likeness info`: what a model is and what it costs.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's card, input and output shapes, and GFLOP per frame."
    )

    @Argument(help: ArgumentHelp("The model (.onnx).", valueName: "model"))
    var model: String = Exhibition().model.path

    func run() throws {
        do {
            let url = try Exhibition().resolveModel(overridePath: model)
            let loaded = try LoadedModel.load(url: url)
            print(loaded.summary)
        } catch {
            throw fail(error)
        }
    }
}
