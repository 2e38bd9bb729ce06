import Foundation
import LikenessTaste
import Testing

// MARK: - Taste on the command line

@Suite struct TasteCLITests {
    /// A taste file with a few ratings of the fixture model (and one of another model).
    func tasteFile() throws -> URL {
        let url = temporaryFolder().appendingPathComponent("taste.sqlite")
        let store = try TasteStore(url: url)
        let id = ModelIdentity.id(of: try Data(contentsOf: URL(fileURLWithPath: fixtureModel)))
        for i in 0..<12 {
            let latent = (0..<16).map { Float(sin(Double(i * 16 + $0))) }
            try store.add(modelID: id, latent: latent, truncation: 0.8, kind: i % 3 == 0 ? .like : (i % 3 == 1 ? .dislike : .favourite))
        }
        try store.add(modelID: "another-model", latent: [1, 2], truncation: 0.8, kind: .like)
        try store.set("curator", to: "A. Curator")
        return url
    }

    @Test func aSteeredShowIsTheSameOnEveryRunAndSaysWhichTaste() throws {
        let taste = try tasteFile()
        let folder = temporaryFolder()
        let exhibition = folder.appendingPathComponent("tasted.toml")
        try "[taste]\nfile = \"\(taste.path)\"\nstrength = 0.8\nfavourites = 0.3\n".write(to: exhibition, atomically: true, encoding: .utf8)
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        for out in [a, b] {
            let result = try likeness(["frames", exhibition.path, "--model", fixtureModel, "--size", "32x32", "--fps", "2",
                                       "--count", "6", "--output", out.path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("taste taste.sqlite: 12 ratings (4 favourites), strength 0.8, curated by A. Curator"), "\(result.stderr)")
            #expect(result.stderr.contains("1 ratings of other models ignored"))
        }
        for i in 0..<6 {
            let name = String(format: "frame-%06d.png", i)
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: b.appendingPathComponent(name)), "\(name) differs")
        }
    }

    @Test func aMissingTasteFileIsOneClearLine() throws {
        let folder = temporaryFolder()
        let exhibition = folder.appendingPathComponent("tasted.toml")
        try "[taste]\nfile = \"nowhere.sqlite\"\n".write(to: exhibition, atomically: true, encoding: .utf8)
        let result = try likeness(["frames", exhibition.path, "--model", fixtureModel, "--count", "1", "--output", folder.appendingPathComponent("o").path])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("likeness: error: taste file '") && result.stderr.contains("nowhere.sqlite' not found"))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func tasteSummarisesAndExports() throws {
        let taste = try tasteFile()
        let summary = try likeness(["taste", taste.path, "--model", fixtureModel])
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdoutText.contains("journal: wal"))
        #expect(summary.stdoutText.contains("curator      A. Curator"))
        #expect(summary.stdoutText.contains("12 ratings: 4 like, 4 dislike, 4 favourite, 0 skip; 0 undone"))
        #expect(summary.stdoutText.contains("taste model  "))
        let csv = try likeness(["taste", taste.path, "--csv", "-"])
        #expect(csv.status == 0 && csv.stdoutText.split(separator: "\n").count == 14)
        let info = try likeness(["info", fixtureModel, "--taste", taste.path])
        #expect(info.stdoutText.contains("taste        taste.sqlite: 12 ratings (4 favourites), curated by A. Curator; 1 ratings of other models kept, ignored"),
                "\(info.stdoutText)")
        #expect(try likeness(["taste", "/nonexistent/taste.sqlite"]).stderr.contains("not found"))
    }
}
