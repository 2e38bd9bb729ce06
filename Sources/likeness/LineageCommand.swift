import ArgumentParser
import Foundation
import LikenessLineage
import LikenessMedia
import LikenessShow

// MARK: - lineage

/// `likeness lineage PICTURE.png…`: the training works any picture most resembles.
struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Name the training paintings a picture most resembles (a generated frame, a photo of the wall).",
        discussion: """
        Uses the lineage index beside the model (lineage.json, lineage.onnx, works.csv, lineage-atlas.png; \
        `make lineage` builds them). Similarity is cosine in the extractor's feature space: resemblance, not causation.
        """
    )

    @Argument(help: ArgumentHelp("PNG pictures to look up.", valueName: "picture"))
    var pictures: [String]

    @Option(help: ArgumentHelp("The generator whose lineage to use.", valueName: "model"))
    var model: String = Exhibition().model.path

    @Option(help: "How many works per picture.")
    var count = 3

    @Flag(help: "Print a JSON array, one entry per picture in order, each listing its works.")
    var json = false

    func validate() throws {
        guard !pictures.isEmpty else { throw ValidationError("give at least one PNG picture") }
        guard (1...20).contains(count) else { throw ValidationError("--count must be 1 to 20") }
    }

    func run() throws {
        do {
            let url = try Exhibition().resolveModel(overridePath: model)
            guard let lineage = try Lineage.load(forModel: url) else { throw LineageError.missing(model: url.path) }
            var entries: [LineageSidecar.Entry] = []
            for path in pictures {
                let frame: Frame
                do { frame = try PNGCodec.read(from: URL(fileURLWithPath: path)) } catch { throw LineageError.picture(error) }
                let works = lineage.works(of: frame, k: count)
                entries.append(LineageSidecar.Entry(picture: path, works: works))
                if !json {
                    print(path)
                    for (i, m) in works.enumerated() {
                        let credit = m.work.title.isEmpty ? m.work.credit : "\(m.work.credit) — \(m.work.objectCredit)"
                        print("  \(i + 1). \(credit), similarity \(String(format: "%.3f", m.similarity))")
                        print("     \(m.work.url)")
                    }
                }
            }
            if json { print(try LineageSidecar.json(entries)) }
        } catch {
            throw fail(error)
        }
    }
}

// MARK: - LineageSidecar

/// The JSON the lineage outputs share: `likeness lineage --json` and the `--lineage` sidecars of
/// `frames` and `record` (one entry per picture or per keyframe shown).
enum LineageSidecar {
    struct Entry: Encodable {
        var picture: String?
        var keyframe: Int64?
        var firstFrame: Int?
        var startSeconds: Double?
        var works: [LineageMatch]

        init(picture: String? = nil, keyframe: Int64? = nil, firstFrame: Int? = nil, startSeconds: Double? = nil, works: [LineageMatch]) {
            self.picture = picture
            self.keyframe = keyframe
            self.firstFrame = firstFrame
            self.startSeconds = startSeconds
            self.works = works
        }

        enum CodingKeys: String, CodingKey { case picture, keyframe, firstFrame = "first_frame", startSeconds = "start_seconds", works }
    }

    static func json(_ entries: [Entry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}
