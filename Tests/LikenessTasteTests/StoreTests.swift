import Foundation
import LikenessShow
import LikenessTaste
import Testing

@Suite struct ModelIdentityTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(ModelIdentity.id(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ModelIdentity.id(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the padding needs a second block.
        #expect(ModelIdentity.id(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

@Suite struct TasteStoreTests {
    let latent: [Float] = [0.5, -1.25, 3.1415927, -0.0, 1e-7, 8.5]

    @Test func ratingsAreCommittedInWALAndSurviveReopening() throws {
        let url = temporaryFile()
        do {
            let store = try TasteStore(url: url)
            #expect(try store.journalMode() == "wal")
            for (i, kind) in RatingKind.allCases.enumerated() {
                try store.add(modelID: "model-a", latent: latent.map { $0 + Float(i) }, truncation: 0.8, kind: kind)
            }
        }
        // A second connection (as after a crash and restart) sees every committed row, bit for bit.
        let reopened = try TasteStore(url: url, mustExist: true)
        let rows = try reopened.ratings(modelID: "model-a")
        #expect(rows.map(\.kind) == RatingKind.allCases)
        #expect(rows[2].latent.map(\.bitPattern) == latent.map { ($0 + 2).bitPattern })
        #expect(rows.allSatisfy { $0.truncation == 0.8 && $0.undoneAt == nil })
        #expect(rows.map(\.id) == rows.map(\.id).sorted())
    }

    @Test func undoMarksTheLatestRowAndKeepsIt() throws {
        let store = try TasteStore(url: temporaryFile())
        try store.add(modelID: "m", latent: latent, truncation: 1, kind: .like)
        try store.add(modelID: "m", latent: latent, truncation: 1, kind: .dislike)
        let undone = try #require(try store.undoLast(modelID: "m"))
        #expect(undone.kind == .dislike && undone.undoneAt != nil)
        #expect(try store.ratings(modelID: "m").map(\.kind) == [.like])
        #expect(try store.allRatings().count == 2, "an undone rating stays in the file")
        #expect(try store.counts()["m"]?.undone == 1)
        _ = try store.undoLast(modelID: "m")
        #expect(try store.undoLast(modelID: "m") == nil, "nothing left to undo")
    }

    @Test func ratingsOfOtherModelsAreKeptAndIgnored() throws {
        let store = try TasteStore(url: temporaryFile())
        try store.add(modelID: "old", latent: [1, 2, 3], truncation: 0.7, kind: .favourite)
        try store.add(modelID: "new", latent: latent, truncation: 0.8, kind: .like)
        #expect(try store.ratings(modelID: "new").count == 1)
        #expect(try store.undoLast(modelID: "new")?.modelID == "new")
        #expect(try store.undoLast(modelID: "new") == nil, "undo never reaches another model's rows")
        #expect(try store.ratings(modelID: "old").first?.latent == [1, 2, 3])
        #expect(try store.counts()["old"]?.kinds[.favourite] == 1)
    }

    @Test func csvHasEveryRowAndReadsBackExactly() throws {
        let store = try TasteStore(url: temporaryFile())
        try store.add(modelID: "m", latent: latent, truncation: 0.8, kind: .like)
        try store.add(modelID: "m", latent: latent, truncation: 0.8, kind: .skip)
        _ = try store.undoLast(modelID: "m")
        let lines = try store.csv().split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "id,model_id,rating,rated_at,undone_at,truncation,z_dim,latent")
        let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(fields[2] == "like" && fields[4].isEmpty && fields[6] == "6")
        #expect(fields[7].split(separator: " ").compactMap { Float(String($0)) }.map(\.bitPattern) == latent.map(\.bitPattern))
        #expect(!lines[2].split(separator: ",", omittingEmptySubsequences: false)[4].isEmpty, "the undone row says when")
    }

    @Test func aMissingFileIsAClearErrorWhenOneIsNeeded() {
        let url = temporaryFile("absent.sqlite")
        #expect(throws: TasteError.fileNotFound(path: url.path)) { try TasteStore(url: url, mustExist: true) }
    }
}

@Suite struct TasteSectionTests {
    @Test func theTasteTableParsesAndValidates() throws {
        let e = try Exhibition.parse("[taste]\nfile = \"mine.sqlite\"\nstrength = 1\nfavourites = 0\n", file: "t.toml")
        #expect(e.taste == TasteSettings(file: "mine.sqlite", strength: 1, favourites: 0))
        #expect(try Exhibition.parse("").taste.file == nil, "no [taste], no steering")
        #expect(throws: ShowError.self) { try Exhibition.parse("[taste]\nstrength = 1.5\n", file: "t.toml") }
        #expect(throws: ShowError.self) { try Exhibition.parse("[taste]\nfile = \"\"\n", file: "t.toml") }
        do {
            _ = try Exhibition.parse("title = \"x\"\n[taste]\nfavorites = 0.2\n", file: "t.toml")
            Issue.record("an unknown key must fail")
        } catch {
            #expect("\(error)".contains("t.toml:3: unknown key 'taste.favorites'; did you mean 'taste.favourites'?"), "\(error)")
        }
    }
}
