import ArgumentParser
import Foundation
import LikenessShow
import LikenessTaste

// MARK: - taste

/// `likeness taste`: what a taste file holds; CSV for backups.
struct Taste: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a taste file (ratings per model, how well the taste model predicts them), or export it as CSV.",
        discussion: """
        The CSV has one row per rating, undone ones included: id, model_id (SHA-256 of the .onnx), rating, \
        rated_at, undone_at, truncation, z_dim, latent (space-separated numbers).
        """
    )

    @Argument(help: ArgumentHelp("The taste file (written by `likeness curate`).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Write every rating as CSV to this file (- for stdout) instead of the summary.", valueName: "out"))
    var csv: String?

    @Option(help: ArgumentHelp("The model whose ratings to fit and cross-validate (default: the default exhibition's model).", valueName: "path"))
    var model: String?

    func run() throws {
        do {
            let url = URL(fileURLWithPath: file)
            let store = try TasteStore(url: url, mustExist: true)
            if let csv {
                let text = try store.csv()
                if csv == "-" {
                    FileHandle.standardOutput.write(Data(text.utf8))
                } else {
                    do { try text.write(toFile: csv, atomically: true, encoding: .utf8) } catch {
                        throw CommandError("cannot write \(csv): \(error.localizedDescription); check the folder exists and is writable")
                    }
                    note("taste: wrote \(try store.allRatings().count) rows to \(csv)")
                }
                return
            }
            print("taste file   \(url.path) (journal: \(try store.journalMode()))")
            if let curator = try store.setting("curator") { print("curator      \(curator)") }
            let counts = try store.counts()
            let loaded = try? LoadedModel.load(url: Exhibition().resolveModel(overridePath: model))
            let currentID = loaded.map { ModelIdentity.id(of: $0.data) }
            if counts.isEmpty { print("ratings      none yet") }
            for (id, entry) in counts.sorted(by: { $0.key < $1.key }) {
                let total = entry.kinds.values.reduce(0, +)
                let kinds = RatingKind.allCases.map { "\(entry.kinds[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                let mark = id == currentID ? " (\(loaded?.info.name ?? "this model"))" : ""
                print("model        \(id.prefix(16))…\(mark): \(total) ratings: \(kinds); \(entry.undone) undone")
            }
            if let loaded, let currentID, counts[currentID] != nil {
                let taste = try LoadedTaste.load(url: url, model: loaded)
                let featurizer = TasteFeaturizer(generator: try loaded.makeGenerator(0))
                let examples = LoadedTaste.examples(taste.ratings, featurizer: featurizer)
                if let accuracy = TasteModel.crossValidatedAccuracy(examples) {
                    print(String(format: "taste model  %.0f%% cross-validated accuracy (5 folds) on %d likes and dislikes", accuracy * 100, examples.count))
                } else {
                    print("taste model  \(taste.model == nil ? "too few likes and dislikes to fit yet" : "fitted; too few likes and dislikes to cross-validate yet") (\(examples.count); 10 needed)")
                }
            }
        } catch {
            throw fail(error)
        }
    }
}
