import Foundation
import LikenessPath
import LikenessTestSupport
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

    @Test func lineIndexFollowsTablesAndArrays() {
        let index = TOMLLineIndex(source: "a = 1\n[t]\n# c\nb = 2\n[[s]]\nk = 1\n[[s]]\nk = 2\n")
        #expect(index.line(of: "a") == 1)
        #expect(index.line(of: "t.b") == 4)
        #expect(index.line(of: "s[0].k") == 6)
        #expect(index.line(of: "s[1].k") == 8)
        #expect(index.line(of: "s[1].missing") == 7)
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
