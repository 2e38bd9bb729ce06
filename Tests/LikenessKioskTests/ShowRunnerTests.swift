import Foundation
import LikenessDisplay
@testable import LikenessKiosk
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
import LikenessShow

/// The live show's SDL glue under the dummy video driver, with fake generators (the loop itself is tested in
/// virtual time in LikenessShowTests.LiveShowTests).
@Suite(.serialized) struct ShowRunnerTests {
    /// Runs until every screen showed `frames` new frames (or `seconds`, a generous cap): the checks count frames,
    /// they do not time the shared machine.
    func runShow(delay: Double, screens: Int = 1, seconds: Double = 60, frames: Int? = nil, screenshot: URL? = nil) throws -> ShowRunner.Report {
        try withSDLLock {
            setenv("SDL_VIDEODRIVER", "dummy", 1)
            defer { unsetenv("SDL_VIDEODRIVER") }
            var exhibition = Exhibition()
            exhibition.window.fps = 60
            exhibition.model.threads = 2   // two producer threads per screen, as on the 2-core kiosk
            exhibition.window.overlay = true
            exhibition.window.upscale = .linear   // debug builds run Lanczos slowly; this tests the runner
            exhibition.window.windowedWidth = 200
            exhibition.window.windowedHeight = 200
            exhibition.screens = (0..<screens).map { Screen(name: "s\($0)", display: $0, seed: UInt64($0 + 1)) }
            let model = ModelInfo(name: "fake", credit: "test credit", imageWidth: 16, imageHeight: 16, zDim: 8)
            let runner = ShowRunner(exhibition: exhibition, model: model,
                                    makeGenerator: { _ in FakeGenerator(delay: delay) }, makePath: fakePathFactory)
            let session = try DisplaySession()
            return try runner.run(session: session, options: .init(seconds: seconds, maxFrames: frames, screenshot: screenshot, windowed: true))
        }
    }

    @Test func fastGenerationRunsAtFullSpeed() throws {
        let report = try runShow(delay: 0, frames: 31)
        let s = try #require(report.screens.first)
        #expect(s.framesShown > 30)
        print("fast generation: shown \(s.framesShown), speed \(s.meanSpeed), variation \(s.intervalVariation), presents \(s.presentsPerSecond)/s")
    }

    /// `detail = "auto"` in the kiosk: the producer measures the tiny fixture chain, runs a level, and the
    /// report (the overlay's detail lines) names it with milliseconds per stage.
    @Test func autoDetailPicksALevelAndReportsStageTimes() throws {
        let stages = try ["tiny-stage-32.onnx", "tiny-stage-64.onnx"].map {
            try DetailStageFile.load(url: packageRoot.appendingPathComponent("Tests/Fixtures/models/\($0)"))
        }
        let report = try withSDLLock {
            setenv("SDL_VIDEODRIVER", "dummy", 1)
            defer { unsetenv("SDL_VIDEODRIVER") }
            var exhibition = Exhibition()
            exhibition.window.fps = 30
            exhibition.window.upscale = .linear
            exhibition.window.windowedWidth = 200
            exhibition.window.windowedHeight = 200
            let model = ModelInfo(name: "fake", credit: "", imageWidth: 32, imageHeight: 32, zDim: 8)
            let runner = ShowRunner(exhibition: exhibition, model: model, makeGenerator: { _ in FakeGenerator(zDim: 8, width: 32, height: 32) },
                                    makePath: fakePathFactory, detail: stages, automaticDetail: true)
            return try runner.run(session: try DisplaySession(), options: .init(seconds: 60, maxFrames: 10, windowed: true))
        }
        let s = try #require(report.screens.first)
        #expect(s.framesShown >= 10)
        #expect(s.detail.hasPrefix("detail ") && s.detail.contains("/2 auto"), "\(s.detail)")
        #expect(s.detail.contains("ms generator ") && s.detail.contains("rgb8 "), "\(s.detail)")
        #expect(s.detail.contains("measured ms per level 0: "), "\(s.detail)")
        // With linear upscale each level shows its own picture: 32, 64 or 128 px.
        #expect([32, 64, 128].contains(s.textureWidth), "\(s.textureWidth)")
    }

    @Test func diptychDrivesTwoIndependentScreens() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-diptych-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shot = folder.appendingPathComponent("shot.png")
        let report = try runShow(delay: 0, screens: 2, frames: 6, screenshot: shot)
        #expect(report.screens.count == 2)
        #expect(report.screens.allSatisfy { $0.framesShown > 5 })
        let left = try PNGCodec.read(from: shot)
        let right = try PNGCodec.read(from: folder.appendingPathComponent("shot-2.png"))
        #expect(left.width == 200 && right.width == 200)
        #expect(left != right, "two seeds, two different pictures")
    }
}
