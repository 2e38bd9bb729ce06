import Foundation
import LikenessPath
import LikenessTestSupport
import LikenessTOML
import Testing
@testable import LikenessShow

// MARK: - Exhibition files

@Suite struct ExhibitionFileTests {
    static let shipped: [String] = {
        let folder = packageRoot.appendingPathComponent("Exhibition")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".toml") }.sorted()
    }()

    @Test func thereAreThreeShippedExhibitions() {
        #expect(Set(Self.shipped).isSuperset(of: ["default.toml", "diptych.toml", "loop-video.toml"]))
    }

    @Test(arguments: shipped)
    func everyShippedExhibitionValidates(name: String) throws {
        let exhibition = try Exhibition.load(contentsOf: packageRoot.appendingPathComponent("Exhibition/\(name)"))
        #expect(!exhibition.screens.isEmpty)
        #expect(exhibition.model.path == "Models/met-portraits-128/model.onnx")
    }

    @Test func defaultIsOneScreenDiptychTwoLoopLoops() throws {
        let d = try Exhibition.load(contentsOf: packageRoot.appendingPathComponent("Exhibition/default.toml"))
        #expect(d.screens.count == 1)
        let two = try Exhibition.load(contentsOf: packageRoot.appendingPathComponent("Exhibition/diptych.toml"))
        #expect(two.screens.count == 2)
        #expect(two.screens[0].seed != two.screens[1].seed)
        #expect(two.screens.map(\.display) == [0, 1])
        let loop = try Exhibition.load(contentsOf: packageRoot.appendingPathComponent("Exhibition/loop-video.toml"))
        #expect(loop.motion.style == .loop(keyframes: 6, period: 60))
        #expect(loop.record.loop)
        let plan = try RecordingPlan(exhibition: loop, seconds: loop.record.seconds, loop: true)
        #expect(plan.frameCount == 1800)
    }

    static let bad: [String] = {
        let folder = packageRoot.appendingPathComponent("Tests/LikenessShowTests/BadExhibitions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".toml") }.sorted()
    }()

    @Test func thereAreBadExamples() {
        #expect(Self.bad.count >= 10)
    }

    /// Each bad file states its expected error in a `# expect:` comment; loading must fail with a message containing it.
    @Test(arguments: bad)
    func eachBadExhibitionGivesItsDocumentedError(name: String) throws {
        let url = packageRoot.appendingPathComponent("Tests/LikenessShowTests/BadExhibitions/\(name)")
        let text = try String(contentsOf: url, encoding: .utf8)
        let expected = text.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("# expect: ") ? String(line.dropFirst("# expect: ".count)) : nil
        }
        #expect(!expected.isEmpty, "\(name) has no '# expect:' line")
        do {
            _ = try Exhibition.parse(text, file: name)
            Issue.record("\(name) loaded without an error")
        } catch {
            let message = error.description
            for e in expected {
                #expect(message.contains(e), "\(name): expected «\(e)» in «\(message)»")
            }
            #expect(message.contains("hint") || message.contains("allowed"), "message has no hint: \(message)")
        }
    }
}

// MARK: - Parsing details

@Suite struct ExhibitionParsingTests {
    @Test func emptyFileGivesDefaults() throws {
        let e = try Exhibition.parse("")
        #expect(e == Exhibition())
        #expect(e.motion.style == .sitters(hold: 6, morph: 4))
        #expect(e.screens == [Screen(name: "main", display: 0, seed: 1)])
    }

    @Test func integersAreAcceptedWhereNumbersAre() throws {
        let e = try Exhibition.parse("[motion]\nstyle = \"drift\"\nseconds_per_keyframe = 5\nspeed = 2\n")
        #expect(e.motion.style == .drift(secondsPerKeyframe: 5))
        #expect(e.motion.speed == 2)
    }

    @Test func screensDefaultTheirDisplayAndSeed() throws {
        let e = try Exhibition.parse("[[screens]]\nname = \"a\"\n[[screens]]\nname = \"b\"\n")
        #expect(e.screens.map(\.display) == [0, 1])
        #expect(e.screens.map(\.seed) == [1, 2])
    }

    @Test func remoteEndpoints() throws {
        let e = try Exhibition.parse("[remote]\nlisten = \"[::1]:8322\"\nosc_listen = \"0.0.0.0:7000\"\nosc_send = \"10.0.0.5:7001\"\nosc_allow = [\"10.0.0.0/8\"]\n")
        #expect(e.remote == RemoteSettings(listen: "[::1]:8322", oscListen: "0.0.0.0:7000", oscSend: "10.0.0.5:7001", oscAllow: ["10.0.0.0/8"]))
        #expect(try Exhibition.parse("[remote]\nlisten = \"off\"\n").remote.listen == nil)
        #expect(Exhibition().remote.listen == "127.0.0.1:8322" && Exhibition().remote.oscListen == nil)
        for bad in ["listen = \"localhost:8322\"", "listen = \"1.2.3.4\"", "osc_send = \"[::1]:7000\"", "osc_allow = [\"10.0.0.0/33\"]", "osc_allow = [\"010.0.0.1\"]"] {
            #expect(throws: ShowError.self, "\(bad)") { try Exhibition.parse("[remote]\n\(bad)\n") }
        }
    }

    /// Per-screen taste: a screen's own file and strength over `[taste]`; "none" turns it off for that screen.
    @Test func screensMayNameTheirOwnTaste() throws {
        let e = try Exhibition.parse("""
            [taste]
            file = "/tastes/house.sqlite"
            strength = 0.5
            [[screens]]
            name = "left"
            taste = "/tastes/young.sqlite"
            taste_strength = 0.9
            [[screens]]
            name = "right"
            taste = "none"
            [[screens]]
            name = "third"
            """)
        #expect(e.screens.map(\.tasteFile) == ["/tastes/young.sqlite", "none", nil])
        let resolved = e.screens.map { e.taste(for: $0) }
        #expect(resolved.map { $0.file?.path } == ["/tastes/young.sqlite", nil, "/tastes/house.sqlite"])
        #expect(resolved.map(\.settings.strength) == [0.9, 0.5, 0.5])
        #expect(throws: ShowError.self) { try Exhibition.parse("[[screens]]\ntaste = \"\"\n") }
    }

    @Test func linesComeFromTheParsersPositions() throws {
        let root = try TOMLDocument(parsing: "a = 1\n[t]\n# c\nb = 2\n[[s]]\nk = 1\n[[s]]\nk = 2\n").root
        let top = TableReader(table: root, path: "", file: "f", tableLine: nil, allowed: ["a", "t", "s"])
        #expect(top.line("a") == 1)
        #expect(top.line("missing") == nil)
        let t = try #require(try top.table("t", allowed: ["b"]))
        #expect(t.line("b") == 4)
        #expect(t.line("missing") == 2)
        let s = try #require(try top.tableArray("s", allowed: ["k"]))
        #expect(s[0].line("k") == 6)
        #expect(s[1].line("k") == 8)
        #expect(s[1].line("missing") == 7)
    }

    /// A line holding only `[`, `[[` or `[.]` aborted the program inside toml++ (TOMLKit); now it is an error line.
    @Test(arguments: ["[", "[[", "[.]", "[[]]", "[a.]", "a = [[[[[[[[", "title = \"Likeness\u{0}\""])
    func brokenTOMLIsASyntaxErrorWithLineAndColumn(line: String) {
        do {
            _ = try Exhibition.parse("title = \"x\"\n\n\(line)\n", file: "show.toml")
            Issue.record("accepted \(line)")
        } catch {
            guard case let .syntax(file, errorLine, column, _) = error else {
                Issue.record("not a syntax error: \(error)")
                return
            }
            #expect(file == "show.toml" && errorLine == 3 && column >= 1)
            #expect(error.description.hasPrefix("show.toml:3:\(column): not valid TOML: "), "\(error)")
            #expect(error.description.contains("; hint: "), "\(error)")
        }
    }

    @Test func invalidUTF8IsASyntaxErrorNotAnUnreadableFile() {
        #expect(throws: ShowError.syntax(file: "f", line: 2, column: 10, message: "the file is not valid UTF-8 (byte 0xFF here); save it as UTF-8 text")) {
            try Exhibition.parse(utf8: Array("# ok\ntitle = \"".utf8) + [0xFF, 0x22], file: "f")
        }
    }

    @Test func anErrorIsOneLineWhateverTheValueHolds() {
        do {
            _ = try Exhibition.parse("[motion]\nstyle = \"a\\nb\\u2028c\\u0007\"\n", file: "f")
            Issue.record("accepted")
        } catch {
            let oneLine = !error.description.contains { $0.isNewline }
            #expect(oneLine, "\(error)")
            #expect(error.description.contains(#"has value "a\nb\u{2028}c\u{7}""#), "\(error)")
        }
    }

    @Test func stringArraysAndInstants() throws {
        let root = try TOMLDocument(parsing: """
        open = ["Tue-Sun 10:00-18:00", "Thu 10:00-21:00"]
        none = []
        mixed = ["a", 1]
        epoch = "2025-01-01T00:00:00Z"
        bare = 2026-12-24T18:00:00.5+01:00
        local = 2026-12-24T18:00:00
        typo = "2025-13-01T00:00:00Z"
        """).root
        let t = TableReader(table: root, path: "schedule", file: "f", tableLine: nil, allowed: [])
        #expect(try t.stringArray("open", default: []) == ["Tue-Sun 10:00-18:00", "Thu 10:00-21:00"])
        #expect(try t.stringArray("none", default: ["x"]) == [])
        #expect(try t.stringArray("absent", default: ["x"]) == ["x"])
        #expect(try t.stringArray("epoch", default: []) == ["2025-01-01T00:00:00Z"])
        #expect(throws: ShowError.wrongType(file: "f", line: 3, key: "schedule.mixed", expected: "an array of strings", found: "a whole number 1")) {
            try t.stringArray("mixed", default: [])
        }
        #expect(try t.date("epoch", default: Date()) == Date(timeIntervalSince1970: 1_735_689_600))
        #expect(try t.date("bare", default: Date()) == Date(timeIntervalSince1970: 1_798_131_600.5))
        #expect(try t.date("absent", default: Date(timeIntervalSince1970: 7)) == Date(timeIntervalSince1970: 7))
        #expect(throws: ShowError.self) { try t.date("local", default: Date()) }
        #expect(throws: ShowError.self) { try t.date("typo", default: Date()) }
        #expect(throws: ShowError.self) { try t.date("open", default: Date()) }
    }

    @Test func missingFileSaysSo() {
        #expect(throws: ShowError.self) {
            try Exhibition.load(contentsOf: URL(fileURLWithPath: "/nonexistent/show.toml"))
        }
    }

    @Test func missingModelListsWhereItLooked() throws {
        let e = try Exhibition.parse("[model]\npath = \"nowhere/model.onnx\"\n")
        do {
            _ = try e.resolveModel()
            Issue.record("found a model that does not exist")
        } catch {
            #expect(error.description.contains("nowhere/model.onnx"))
            #expect(error.description.contains("hint"))
        }
    }

    @Test func modelCardParsesCredit() {
        let card = ModelCard(json: #"{"name": "Met portraits 128", "credit": "Trained on public-domain paintings, The Met Open Access", "license": "CC0", "description": "d", "epochs": 40}"#)
        #expect(card.name == "Met portraits 128")
        #expect(card.credit.hasPrefix("Trained on"))
        #expect(card.fields.contains { $0.key == "epochs" && $0.value == "40" })
        #expect(ModelCard(json: "not json").name == "")
    }
}

// MARK: - Recording plans

@Suite struct RecordingPlanTests {
    @Test(arguments: [(60.0, 30, 1800), (2.0, 24, 48), (0.5, 30, 15)])
    func loopFrameCountIsPeriodTimesFPS(seconds: Double, fps: Int, frames: Int) throws {
        var e = Exhibition()
        e.output.fps = fps
        let plan = try RecordingPlan(exhibition: e, seconds: seconds, loop: true)
        #expect(plan.frameCount == frames)
        guard case let .loop(keyframes, period) = plan.exhibition.motion.style else {
            Issue.record("not a loop")
            return
        }
        #expect(keyframes >= 2)
        #expect(period == seconds * e.motion.speed)
    }

    @Test func loopThatIsNotWholeFramesIsRefused() {
        var e = Exhibition()
        e.output.fps = 30
        #expect(throws: ShowError.self) { try RecordingPlan(exhibition: e, seconds: 1.01, loop: true) }
    }

    @Test func plainRecordingRoundsFrames() throws {
        var e = Exhibition()
        e.output.fps = 25
        #expect(try RecordingPlan(exhibition: e, seconds: 3, loop: false).frameCount == 75)
    }

    @Test func loopPeriodAccountsForSpeed() throws {
        var e = Exhibition()
        e.motion.speed = 2
        let plan = try RecordingPlan(exhibition: e, seconds: 10, loop: true)
        #expect(plan.exhibition.motion.style == .loop(keyframes: 2, period: 20))
    }
}
