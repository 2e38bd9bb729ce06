import Foundation
import LikenessDisplay
@testable import LikenessKiosk
import LikenessMedia
import LikenessTestSupport
import Testing
import LikenessShow

/// The live show under SDL's dummy video driver, with fake generators.
@Suite(.serialized) struct ShowRunnerTests {
    /// Runs until every screen showed `frames` new frames (or `seconds`, a generous cap): the checks count frames,
    /// they do not time the shared machine.
    func runShow(delay: Double, screens: Int = 1, seconds: Double = 60, frames: Int? = nil, screenshot: URL? = nil) throws -> ShowRunner.Report {
        try withSDLLock {
            setenv("SDL_VIDEODRIVER", "dummy", 1)
            defer { unsetenv("SDL_VIDEODRIVER") }
            var exhibition = Exhibition()
            exhibition.window.fps = 60
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

    /// A generator at ~12 fps under a 60 fps display: the show clock slows (speed well below 1) but frames keep coming.
    @Test func slowGenerationSlowsTheClockInsteadOfStuttering() throws {
        let report = try runShow(delay: 0.08, frames: 40)
        let s = try #require(report.screens.first)
        #expect(s.framesShown >= 15, "shown \(s.framesShown)")
        // At most 12.5 new frames a second under a 60 fps frame clock: the clock must have slowed. A busier
        // machine only slows generation further, so this cannot flake.
        #expect(s.meanSpeed < 0.6, "mean speed \(s.meanSpeed)")
        print("slow generation: shown \(s.framesShown), speed \(s.meanSpeed), variation \(s.intervalVariation), presents \(s.presentsPerSecond)/s")
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

    @Test func textureSizeIsCappedAtFourTimesTheModel() {
        let model = ModelInfo(name: "m", credit: "", imageWidth: 128, imageHeight: 128, zDim: 8)
        #expect(ShowRunner.textureSize(model: model, window: (1920, 1080), upscale: .lanczos) == (512, 512))
        #expect(ShowRunner.textureSize(model: model, window: (300, 300), upscale: .lanczos) == (300, 300))
        #expect(ShowRunner.textureSize(model: model, window: (1920, 1080), upscale: .linear) == (128, 128))
        #expect(ShowRunner.textureSize(model: model, window: (100, 100), upscale: .lanczos) == (128, 128))
    }
}
