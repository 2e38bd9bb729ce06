import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - The live loop in virtual time

/// Whole shows on a ``VirtualLoopClock``: scripted producers, recording windows, no SDL and no waiting on the
/// real clock, so each figure below is exact and cannot flake on a busy machine.
@Suite struct LiveShowTests {
    final class Rig {
        let clock: VirtualLoopClock
        let display = ScriptedDisplay()
        let surfaces: [RecordingSurface]
        let show: LiveShow
        let renders = RenderTimes()
        var logLines: [String] = []
        var messages: [(message: String, time: Double)] = []

        init(screens: Int = 1, fps: Int = 60, producers: Int = 2, paintSeconds: Double, stall: (at: Int, seconds: Double)? = nil,
             date: Date = Date(timeIntervalSince1970: 1_800_000_000), configure: (inout Exhibition) -> Void = { _ in }) {
            var e = Exhibition()
            e.window.fps = fps
            e.screens = (0..<screens).map { Screen(name: "s\($0)", display: $0, seed: UInt64($0 + 1)) }
            configure(&e)
            let clock = VirtualLoopClock(date: date)
            self.clock = clock
            surfaces = (0..<screens).map { _ in RecordingSurface() }
            let lanes = LiveLanes(producers: producers, threadsEach: 1)
            let renders = self.renders
            show = LiveShow(exhibition: e, model: ModelInfo(name: "fake", credit: "test credit", imageWidth: 16, imageHeight: 16, zDim: 8),
                            lanes: lanes) { request in
                renders.countSource()
                return ScriptedFrameSource(clock: clock, fps: Double(fps), producers: producers, capacity: lanes.depth(fps: Double(fps)),
                                           paintSeconds: paintSeconds, startFrame: request.startFrame, stall: stall,
                                           wallClock: request.wallClock, log: renders)
            }
            show.sitterPaths = e.screens.map { FakePath(seed: $0.seed, zDim: 8, period: nil) }
            show.log = { [unowned self] in logLines.append($0) }
        }

        func run(seconds: Double, maxFrames: Int? = nil, quitKeys: Bool = true, watchdog: Watchdog? = nil) throws -> LiveShow.Report {
            try show.run(display: display, surfaces: surfaces, options: .init(
                seconds: seconds, maxFrames: maxFrames, quitKeysEnabled: quitKeys, clock: ShowClock(epoch: show.exhibition.show.epoch),
                loopClock: clock, notify: { [unowned self] in messages.append(($0, clock.now())) }, watchdog: watchdog, refreshRate: 60))
        }
    }

    @Test("two threads at 25 ms a frame keep a 60 fps window at full speed")
    func fastGenerationRunsAtFullSpeed() throws {
        let rig = Rig(paintSeconds: 0.025)
        let report = try rig.run(seconds: 10)
        let s = try #require(report.screens.first)
        #expect(abs(report.seconds - 10) < 0.05)
        #expect(s.framesPerSecond > 58 && s.meanSpeed > 0.97, "\(s.framesPerSecond) fps, speed \(s.meanSpeed)")
        #expect(s.intervalVariation < 0.05, "even motion: \(s.intervalVariation)")
        #expect(s.producers == 2 && s.depthFrames == 5 && abs(s.depthMilliseconds - 5000.0 / 60) < 1e-9)
    }

    @Test("production at 10 fps under a 60 fps window: the show clock slows, frames keep coming")
    func slowGenerationSlowsTheClock() throws {
        let rig = Rig(paintSeconds: 0.2)
        let report = try rig.run(seconds: 10)
        let s = try #require(report.screens.first)
        #expect(s.framesPerSecond > 9 && s.framesPerSecond < 10.5, "\(s.framesPerSecond)")
        #expect(s.meanSpeed < 0.3, "speed \(s.meanSpeed)")
        // The frames shown still step through show time at the exhibition's tempo per frame.
        let times = rig.renders.orders.map(\.showTime)
        #expect(zip(times.dropFirst(), times).allSatisfy { $0 > $1 })
    }

    /// systemd's side: READY=1 once a frame is up, then WATCHDOG=1 pings that stop while the generator hangs for
    /// 3 s (systemd would restart the show) and resume after it.
    @Test func watchdogPingsStopWhileTheGeneratorHangs() throws {
        let rig = Rig(paintSeconds: 0.02, stall: (at: 120, seconds: 3))
        let start = rig.clock.now()
        let report = try rig.run(seconds: 8, watchdog: Watchdog(interval: 0.5, stallLimit: 0.5))
        let messages = rig.messages
        let ready = try #require(messages.firstIndex { $0.message == "READY=1" })
        let status = try #require(messages.firstIndex { $0.message.hasPrefix("STATUS=open; 1 screen(s)") })
        #expect(ready < status, "READY=1 comes with the first frame, before any STATUS")
        let pings = messages.filter { $0.message == "WATCHDOG=1" }.map { $0.time - start }
        let gaps = zip(pings, pings.dropFirst()).map { $1 - $0 }
        let hang = try #require(gaps.max())
        #expect(hang > 2.4 && hang < 3.6, "the hang silences the watchdog for about 3 s: \(pings)")
        #expect(gaps.filter { $0 < 0.6 }.count >= gaps.count - 1, "pings every half second otherwise: \(gaps)")
        #expect((pings.last ?? 0) > 7, "pings resume after the hang")
        #expect((report.screens.first?.framesShown ?? 0) > 200)
    }

    /// Previewing a closed moment: the card is up, no producer is ever made, the loop idles.
    @Test func closedHoursGenerateNothing() throws {
        let sunday = try #require(RFC3339.date(from: "2026-12-06T12:00:00Z"))
        let rig = Rig(paintSeconds: 0.02, date: sunday) { e in
            e.schedule = Schedule(spans: [Schedule.span("Mon 10:00-18:00")!], closedDates: [], timeZone: TimeZone(identifier: "UTC")!,
                                  outside: .card, fade: 0.5)
        }
        let report = try rig.run(seconds: 60)
        #expect(rig.renders.sourcesMade == 0 && report.screens.first?.framesShown == 0)
        let card = try #require(rig.surfaces[0].last?.card)
        #expect(card.contains { $0.hasPrefix("opens Mon 7 Dec 10:00") }, "\(card)")
        #expect(rig.surfaces[0].presents < 300, "closed, the loop looks four times a second: \(rig.surfaces[0].presents) presents in 60 s")
        #expect(rig.logLines.first?.hasPrefix("closed now by [schedule]") == true)
    }

    /// Two seconds before closing with a half-second fade: frames, the fade, then nothing is painted; the
    /// screen may sleep (outside = black).
    @Test func closingTimeStopsGeneration() throws {
        let beforeClosing = try #require(RFC3339.date(from: "2026-12-07T17:59:58Z"))
        let rig = Rig(paintSeconds: 0.02, date: beforeClosing) { e in
            e.schedule = Schedule(spans: [Schedule.span("daily 10:00-18:00")!], closedDates: [], timeZone: TimeZone(identifier: "UTC")!,
                                  outside: .black, fade: 0.5)
        }
        let start = rig.clock.now()
        let report = try rig.run(seconds: 6)
        let times = rig.renders.times.map { $0 - start }
        #expect((report.screens.first?.framesShown ?? 0) > 100)
        #expect((times.max() ?? 0) < 2.0 + 0.5 + 0.3, "nothing painted after the fade: last at \(times.max() ?? 0) s")
        #expect(rig.display.sleepAllowed == [true])
        #expect(rig.surfaces[0].last?.frame == nil, "the closed screen shows no stale frame")
    }

    /// Two seconds before opening: nothing, then producers start at the wall clock and fresh frames fade in.
    @Test func openingTimeStartsGeneration() throws {
        let beforeOpening = try #require(RFC3339.date(from: "2026-12-07T09:59:58Z"))
        let rig = Rig(paintSeconds: 0.02, date: beforeOpening) { e in
            e.schedule = Schedule(spans: [Schedule.span("daily 10:00-18:00")!], closedDates: [], timeZone: TimeZone(identifier: "UTC")!,
                                  outside: .black, fade: 0.5)
        }
        let start = rig.clock.now()
        let report = try rig.run(seconds: 5)
        let first = try #require(rig.renders.times.first) - start
        #expect(first >= 2 && first < 2.4, "first frame at \(first) s")
        #expect(rig.renders.sourcesMade == 1 && (report.screens.first?.framesShown ?? 0) > 100)
        #expect(rig.surfaces[0].last?.brightness == 1)
        let epoch = rig.show.exhibition.show.epoch
        let opening = try #require(RFC3339.date(from: "2026-12-07T10:00:00Z")).timeIntervalSince(epoch)
        let shown = try #require(rig.renders.orders.first?.showTime)
        #expect(shown >= opening && shown < opening + 0.5, "generation starts at the wall clock's show time")
    }

    /// Keys through the one key map: space pauses (frames stop), n fast-forwards to the next sitter, q is
    /// ignored in kiosk mode; each command lands on screen within a tenth of a second.
    @Test func keysDriveTheShowAndCommandsLandWithinATenthOfASecond() throws {
        let rig = Rig(paintSeconds: 0.025)
        var step = 0
        var shownAtPause = 0, shownAtResume = 0
        var delays: [Double] = []
        rig.display.onPoll = { display in
            step += 1
            let t = rig.clock.now()
            if let ms = rig.show.statusBoard.read()?.lastCommandMilliseconds, step > 1 { delays.append(ms) }
            switch step {
            case 120: display.send(.key("q", screen: 0))   // kiosk: ignored
            case 180: display.send(.key(" ", screen: 0)); shownAtPause = rig.renders.times.filter { $0 <= t }.count
            case 300: display.send(.key(" ", screen: 0)); shownAtResume = rig.renders.times.filter { $0 <= t }.count
            case 360: display.send(.key("n", screen: 0))
            case 420: rig.show.commands.post(.setSpeed(0.5))
            default: break
            }
        }
        let report = try rig.run(seconds: 10, quitKeys: false)
        #expect(report.seconds > 9.9, "q did not quit a kiosk")
        #expect(shownAtResume - shownAtPause <= 6, "paused: at most the frames already painted were taken")
        let times = rig.renders.orders.map(\.showTime)
        let steps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(steps.contains { $0 > 1.5 / 60 }, "the skip to the next sitter moves faster than the tempo")
        #expect(abs((steps.last ?? 0) - 0.5 / 60) < 1e-9, "speed 0.5: half a frame of show time per frame")
        let last = try #require(report.lastCommandMilliseconds)
        #expect(last <= 100, "the speed change reached the screen after \(last) ms")
        #expect(!delays.isEmpty && delays.allSatisfy { $0 <= 100 }, "\(delays)")
    }

    @Test("the status names each screen's level, rate, speed, lag and sitter")
    func statusSnapshot() throws {
        let rig = Rig(screens: 2, fps: 30, producers: 1, paintSeconds: 0.02)
        _ = try rig.run(seconds: 5)
        let status = try #require(rig.show.statusBoard.read())
        #expect(status.screens.map(\.name) == ["s0", "s1"] && status.open && !status.paused)
        for s in status.screens {
            #expect(s.framesPerSecond > 28 && abs(s.speed - 1) < 0.05 && s.behindSeconds < 0.5)
            #expect(s.sitter == s.showTime.map { Int($0.rounded(.down)) })
            #expect(s.producers == 1 && s.aheadFrames <= 3)
        }
        #expect(status.statusLine.hasPrefix("open; 2 screen(s); "))
    }
}
