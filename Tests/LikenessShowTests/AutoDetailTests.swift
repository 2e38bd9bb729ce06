import Foundation
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Picking the level

@Suite("AutoDetail: the level from measured costs, stepping down when behind, up after long headroom")
struct AutoDetailPolicyTests {
    let budget = 1.0 / 60   // 16.7 ms

    @Test(arguments: [
        ([0.005, 0.012, 0.030], 1),   // 12 ms fits 80 % of 16.7 ms (13.3), 30 does not
        ([0.005, 0.012, 0.013], 2),
        ([0.005, 0.014, 0.010], 0),   // a prefix: level 2 alone would fit, but level 1 does not
        ([0.020, 0.030, 0.040], 0),   // nothing fits: the generator alone, as slowly as it must
        ([0.001], 0),
    ])
    func longestFittingPrefix(levels: [Double], expected: Int) {
        #expect(AutoDetail.longestFitting(levelSeconds: levels, budgetSeconds: budget, headroom: 0.8) == expected)
        #expect(AutoDetail(levelSeconds: levels, settings: .init(budgetSeconds: budget)).level == expected)
    }

    @Test func headroomIsTheShareOfTheBudget() {
        let levels = [0.005, 0.015]
        #expect(AutoDetail.longestFitting(levelSeconds: levels, budgetSeconds: budget, headroom: 0.8) == 0)
        #expect(AutoDetail.longestFitting(levelSeconds: levels, budgetSeconds: budget, headroom: 0.95) == 1)
        #expect(AutoDetail.longestFitting(levelSeconds: levels, budgetSeconds: 1.0 / 30, headroom: 0.8) == 1, "a diptych's 30 fps")
    }

    /// Feeds frames of `seconds` every `seconds` of wall time from `start` for `duration`, up to the first
    /// decision; returns it with its time (or nothing).
    func feed(_ policy: inout AutoDetail, seconds: Double, from start: Double, for duration: Double) -> [(Double, AutoDetail.Decision)] {
        var t = start
        while t < start + duration {
            t += seconds
            if let d = policy.observe(frameSeconds: seconds, now: t) { return [(t, d)] }
        }
        return []
    }

    @Test func fallingBehindForTwoSecondsStepsDownOnce() {
        var policy = AutoDetail(levelSeconds: [0.004, 0.010, 0.012], settings: .init(budgetSeconds: budget))
        #expect(policy.level == 2)
        // Slightly over budget: nothing in the first two seconds, then one step down.
        let over = feed(&policy, seconds: 0.018, from: 0, for: 1.9)
        #expect(over.isEmpty)
        let more = feed(&policy, seconds: 0.018, from: 1.9, for: 0.3)
        #expect(more.map(\.1) == [.stepDown] && policy.level == 1)
        // A short spike inside a window under budget does not: the window's mean decides.
        var steady = AutoDetail(levelSeconds: [0.004, 0.010], settings: .init(budgetSeconds: budget))
        _ = steady.observe(frameSeconds: 0.010, now: 0)
        _ = steady.observe(frameSeconds: 0.200, now: 0.2)
        #expect(feed(&steady, seconds: 0.010, from: 0.2, for: 3).isEmpty && steady.level == 1)
    }

    @Test func levelZeroNeverStepsDown() {
        var policy = AutoDetail(levelSeconds: [0.030, 0.060], settings: .init(budgetSeconds: budget))
        #expect(policy.level == 0)
        #expect(feed(&policy, seconds: 0.030, from: 0, for: 30).isEmpty)
    }

    @Test func stepsUpOnlyAfterSixtySecondsOfHeadroomForTheNextLevel() {
        var policy = AutoDetail(levelSeconds: [0.004, 0.010], settings: .init(budgetSeconds: budget), level: 0)
        // Frames now take 4 ms: level 1 is predicted at 4 · 10/4 = 10 ms ≤ 13.3. Up after 60 s, not before.
        let decisions = feed(&policy, seconds: 0.004, from: 0, for: 70)
        #expect(decisions.count == 1 && decisions[0].1 == .stepUp && policy.level == 1)
        #expect(decisions[0].0 >= 60 && decisions[0].0 < 63, "at \(decisions[0].0) s")
        // Frames at 6 ms predict 15 ms for level 1: no headroom, never up.
        var tight = AutoDetail(levelSeconds: [0.004, 0.010], settings: .init(budgetSeconds: budget), level: 0)
        #expect(feed(&tight, seconds: 0.006, from: 0, for: 300).isEmpty)
    }

    @Test func aWindowWithoutHeadroomRestartsTheWait() {
        var policy = AutoDetail(levelSeconds: [0.004, 0.010], settings: .init(budgetSeconds: budget), level: 0)
        #expect(feed(&policy, seconds: 0.004, from: 0, for: 50).isEmpty)
        #expect(feed(&policy, seconds: 0.007, from: 50, for: 3).isEmpty)       // one busy stretch
        #expect(feed(&policy, seconds: 0.004, from: 53, for: 55).isEmpty)      // 55 s more: not yet 60 in a row
        #expect(feed(&policy, seconds: 0.004, from: 108, for: 8).map(\.1) == [.stepUp])
    }

    /// Hysteresis: a level that did not hold takes twice as long to be tried again, each time, so a machine
    /// at the edge does not swap levels every minute.
    @Test func eachStepDownDoublesTheWaitToClimbBack() {
        var policy = AutoDetail(levelSeconds: [0.004, 0.010], settings: .init(budgetSeconds: budget))
        #expect(policy.level == 1 && policy.stepUpWait(toLevel: 1) == 60)
        var t = 0.0
        var ups: [Double] = []
        for round in 1...3 {
            // Level 1 falls behind (20 ms frames) …
            let down = feed(&policy, seconds: 0.020, from: t, for: 2.5)
            #expect(down.map(\.1) == [.stepDown], "round \(round)")
            t = down[0].0
            #expect(policy.stepUpWait(toLevel: 1) == 60 * pow(2, Double(round)))
            // … then level 0 has headroom (4 ms): up after the doubled wait.
            let up = feed(&policy, seconds: 0.004, from: t, for: 60 * pow(2, Double(round)) + 5)
            #expect(up.map(\.1) == [.stepUp], "round \(round)")
            ups.append(up[0].0 - t)
            t = up[0].0
        }
        #expect(zip(ups.dropFirst(), ups).allSatisfy { $0 > $1 * 1.9 }, "\(ups)")
        #expect(ups[0] >= 120)
    }

    @Test func theWaitIsCapped() {
        var policy = AutoDetail(levelSeconds: [0.004, 0.010], settings: .init(budgetSeconds: budget, maximumStepUpSeconds: 200))
        var t = 0.0
        for _ in 0..<5 {
            let down = feed(&policy, seconds: 0.020, from: t, for: 2.5)
            t = down.last?.0 ?? t + 2.5
            let up = feed(&policy, seconds: 0.004, from: t, for: 260)
            t = up.last?.0 ?? t + 260
        }
        #expect(policy.stepUpWait(toLevel: 1) == 200)
    }
}

// MARK: - The controller and the monitor

@Suite("A producer's auto detail: decisions become crossfades; the overlay shows ms per stage")
struct DetailControllerTests {
    static let measured = StagePipeline.Measurement(modelStageSeconds: [0.004, 0.004, 0.004], lanczosSeconds: [0, 0, 0], rgb8Seconds: [0, 0, 0])

    /// Assigns `frames` frames, each reported `frameSeconds` long and finished `spacing` apart; the settings they got.
    func trace(_ controller: inout DetailLevelController, frames: Int, frameSeconds: Double, spacing: Double) -> [DetailSetting] {
        var t = 0.0
        return (0..<frames).map { _ in
            let setting = controller.assign()
            t += spacing
            controller.observe(frameSeconds: frameSeconds, now: t)
            return setting
        }
    }

    @Test func aStepDownFadesOnTheUpperLevelThenSwitches() throws {
        var controller = DetailLevelController(measurement: Self.measured, settings: .init(budgetSeconds: 1.0 / 60), fadeSeconds: 0.1)
        #expect(controller.level == 2, "4, 8, 12 ms all fit 13.3")
        // 30 ms frames: behind. After a 2 s window, a fade down of 0.1 s at 60 fps (at least 3 frames).
        let settings = trace(&controller, frames: 200, frameSeconds: 0.03, spacing: 0.03)
        let levels = settings.map(\.level), weights = settings.compactMap(\.blendWeight)
        #expect(levels.contains(1), "it stepped down")
        let end = try #require(weights.firstIndex(of: 0))
        let firstFade = Array(weights[...end])
        #expect(firstFade.count >= 3 && firstFade.last == 0, "faded to the lower picture: \(firstFade)")
        #expect(zip(firstFade.dropFirst(), firstFade).allSatisfy { $0 < $1 }, "the upper weight falls: \(firstFade)")
        let switchAt = try #require(levels.firstIndex(of: 1))
        try #require(switchAt > 0)
        #expect(levels[switchAt - 1] == 2, "level 2 ran through the fade, level 1 after it")
        #expect(settings[switchAt - 1].fadingTo == 1 && settings[switchAt].fadingTo == nil)
    }

    @Test func aStepUpSwitchesAtOnceAndFadesIn() throws {
        var controller = DetailLevelController(measurement: Self.measured, settings: .init(budgetSeconds: 1.0 / 60, stepUpSeconds: 4),
                                               fadeSeconds: 0.1, level: 0)
        // 2 ms frames, 20 ms apart (the producer waits on a full queue): lots of headroom.
        let settings = trace(&controller, frames: 400, frameSeconds: 0.002, spacing: 0.02)
        let up = try #require(settings.firstIndex { $0.level == 1 })
        let w = settings[up].blendWeight
        #expect(w != nil && (w ?? 1) > 0 && (w ?? 1) < 1, "the first frame at level 1 is mostly level 0")
        let fade = settings[up...].prefix { $0.level == 1 && $0.blendWeight != nil }.compactMap(\.blendWeight)
        #expect(fade.count >= 2 && zip(fade.dropFirst(), fade).allSatisfy { $0 > $1 }, "\(fade)")
        #expect(fade.last == 1, "the fade's last frame is level 1 exactly")
    }

    /// Two producer threads: a frame has twice the budget, and a crossfade the same number of frames on screen.
    @Test func theBudgetIsPerThread() {
        let settings = AutoDetail.Settings(budgetSeconds: 2.0 / 60)
        var controller = DetailLevelController(measurement: Self.measured, settings: settings, fadeSeconds: 0.5, fps: 60)
        #expect(controller.level == 2)
        // 25 ms frames on each of two threads: 80 new frames a second, within the 33 ms budget: no change.
        let kept = trace(&controller, frames: 600, frameSeconds: 0.025, spacing: 0.0125)
        #expect(kept.allSatisfy { $0.level == 2 && $0.blendWeight == nil })
        // 40 ms: over. The fade down takes half a second of frames at 60 fps, whatever the thread count.
        let fell = trace(&controller, frames: 600, frameSeconds: 0.040, spacing: 0.020)
        let start = fell.firstIndex { $0.blendWeight != nil } ?? fell.count
        let fadeFrames = fell[start...].prefix { $0.blendWeight != nil }.count
        #expect(fell.contains { $0.level == 1 } && (20...30).contains(fadeFrames), "\(fadeFrames) fade frames")
    }

    @Test func heldMeansNoChange() throws {
        var controller = DetailLevelController(measurement: Self.measured, settings: .init(budgetSeconds: 1.0 / 60), fadeSeconds: 0.1)
        controller.isHeld = true
        let settings = trace(&controller, frames: 300, frameSeconds: 0.05, spacing: 0.05)
        #expect(settings.allSatisfy { $0 == DetailSetting(level: 2) })
    }

    /// Through a producer: frame sizes follow the level's canvas, and the monitor's lines carry ms per stage.
    @Test func theProducerPublishesStageTimesAndLevel() throws {
        let canvases: [StagePipeline.Configuration.Canvas] = [.init(width: 48, height: 48), .init(width: 64, height: 64), .init(width: 80, height: 80)]
        let configuration = StagePipeline.Configuration.standard(width: 80, height: 80, detail: try PipelineLevelTests.stages(), levelCanvases: canvases)
        let monitor = DetailMonitor()
        let p = FrameProducer(name: "auto", producers: 2, capacity: 4, fps: 0.1, count: 5,
                              automaticDetail: .init(settings: .init(budgetSeconds: 10)), monitor: monitor) {
            FrameRenderer(generator: FakeGenerator(zDim: 8, width: 32, height: 32), path: FakePath(seed: 1, zDim: 8, period: nil),
                          configuration: configuration)
        }
        p.start()
        var widths: [Int] = []
        while let item = p.take() { widths.append(item.frame.width) }
        p.stop()
        #expect(widths == [80, 80, 80, 80, 80])
        let snapshot = try #require(monitor.snapshot())
        #expect(snapshot.level == 2 && snapshot.automatic && !snapshot.measuring)
        #expect(snapshot.milliseconds.prefix(4).allSatisfy { $0 != nil }, "every model stage and the Lanczos ran")
        let lines = snapshot.overlayLines
        #expect(lines[0] == "detail 2/2 auto: tiny-stage-32, tiny-stage-64")
        #expect(lines[1].hasPrefix("ms generator ") && lines[1].contains("tiny-stage-32 ") && lines[1].contains("lanczos ")
                && lines[1].contains("rgb8 ") && lines[1].hasSuffix(" of 20000.0"), "\(lines[1])")
        #expect(!lines[1].contains("crossfade"), "no crossfade ran")
        #expect(lines[2].hasPrefix("measured ms per level 0: "))
    }

    @Test func overlayLinesForEachCase() {
        var s = DetailMonitor.Snapshot(names: ["generator", "refiner", "painter", "lanczos", "crossfade", "rgb8"],
                                       milliseconds: [4, 12.5, nil, 2, 1, 0.5], level: 1, maximumLevel: 2, automatic: true,
                                       fadingTo: 2, measuredLevelMilliseconds: [7, 20, 60], budgetMilliseconds: 1000.0 / 60)
        s.levelChanges = 1
        #expect(s.overlayLines == ["detail 1/2 auto: refiner, crossfading to 2/2, 1 change",
                                   "ms generator 4.0, refiner 12.5, lanczos 2.0, crossfade 1.0, rgb8 0.5 = 20.0 of 16.7",
                                   "measured ms per level 0: 7.0, 1: 20.0, 2: 60.0 (picks <= 13.3)"])
        s.level = 0; s.fadingTo = nil; s.levelChanges = 0
        #expect(s.overlayLines[0] == "detail 0/2 auto: generator alone")
        s.automatic = false; s.level = 2
        #expect(s.overlayLines[0] == "detail 2/2 (every listed stage): refiner, painter" && s.overlayLines.count == 2)
        s.maximumLevel = 0; s.automatic = true
        #expect(s.overlayLines[0] == "detail none: auto found no detail stages beside the generator")
        s.measuring = true
        #expect(s.overlayLines == ["detail auto: measuring levels 0-0 on this machine"])
    }
}
