import Foundation
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - The live loop's pure pieces, each alone

@Suite struct LivePiecesTests {
    @Test("pacing: a window takes one frame per 1/fps at full production, and slows smoothly when production cannot keep up")
    func pacing() {
        var fast = ScreenPacing(fps: 60)
        var taken = 0
        for _ in 0..<600 {
            taken += fast.advance(dt: 1.0 / 60, paused: false, supply: .init(queued: 3, capacity: 6, productionRate: 80)) { 0.02 }
        }
        #expect(taken == 601 && fast.shown == 601 && fast.rate == 1, "the first call shows the first frame at once: \(taken)")
        #expect(abs(fast.meanRenderSeconds - 0.02) < 1e-12)

        var slow = ScreenPacing(fps: 60)
        var ready = 0.0
        for _ in 0..<600 {
            ready += 15.0 / 60   // 15 frames a second arrive
            slow.advance(dt: 1.0 / 60, paused: false, supply: .init(queued: 0, capacity: 6, productionRate: 15)) {
                guard ready >= 1 else { return nil }
                ready -= 1
                return 0.1
            }
        }
        #expect(slow.rate > 0.15 && slow.rate < 0.3, "speed follows production: \(slow.rate)")
        #expect(slow.shown > 110 && slow.shown <= 150, "\(slow.shown)")

        var paused = ScreenPacing(fps: 60)
        #expect(paused.advance(dt: 1, paused: true, supply: .init(queued: 6, capacity: 6, productionRate: 60)) { 0.01 } == 0)
        // A starved window builds no debt: after a second without frames it takes one frame, not a burst.
        for _ in 0..<60 { paused.advance(dt: 1.0 / 60, paused: false, supply: .init(queued: 0, capacity: 6, productionRate: 60)) { nil } }
        #expect(paused.advance(dt: 1.0 / 60, paused: false, supply: .init(queued: 6, capacity: 6, productionRate: 60)) { 0.01 } == 1)
    }

    @Test("heartbeat: READY once a frame is up, STATUS every 5 s after it, WATCHDOG only while healthy")
    func heartbeat() {
        var h = ServiceHeartbeat(watchdog: Watchdog(interval: 1, stallLimit: 2))
        #expect(h.messages(now: 0, presented: true, screensReady: false, silentSeconds: 0, waiting: false) { "s" } == ["WATCHDOG=1"])
        #expect(h.messages(now: 0.5, presented: true, screensReady: true, silentSeconds: 0, waiting: false) { "s" } == ["READY=1", "STATUS=s"])
        #expect(h.messages(now: 1.0, presented: true, screensReady: true, silentSeconds: 0, waiting: false) { "s" } == ["WATCHDOG=1"])
        #expect(h.messages(now: 3.0, presented: true, screensReady: true, silentSeconds: 2.5, waiting: false) { "s" } == [], "stuck")
        #expect(h.messages(now: 4.0, presented: true, screensReady: true, silentSeconds: 2.5, waiting: true) { "s" } == ["WATCHDOG=1"], "paused")
        #expect(h.messages(now: 5.6, presented: true, screensReady: true, silentSeconds: nil, waiting: false) { "s" } == ["STATUS=s", "WATCHDOG=1"])
        var quiet = ServiceHeartbeat(watchdog: nil)
        #expect(quiet.messages(now: 0, presented: false, screensReady: true, silentSeconds: nil, waiting: false) { "s" } == [])
    }

    @Test("schedule watch: looks four times a second, fades out at closing, starts producers at opening")
    func scheduleWatch() throws {
        let schedule = Schedule(spans: [try #require(Schedule.span("daily 10:00-18:00"))], closedDates: [],
                                timeZone: try #require(TimeZone(identifier: "UTC")), outside: .black, fade: 1)
        let closing = try #require(RFC3339.date(from: "2026-12-07T18:00:00Z"))
        var watch = ScheduleWatch(schedule: schedule, isOpen: true, now: 0)
        var looks = 0
        var changes: [Curtain.Change] = []
        for i in 1...200 {
            let now = Double(i) / 60
            changes += watch.update(schedule: schedule, now: now, date: { looks += 1; return closing.addingTimeInterval(now - 1) }, framesReady: true)
        }
        #expect(looks >= 12 && looks <= 14, "\(looks) looks in 3.3 s")
        #expect(changes == [.stopProducers, .displaySleep(true)])
        #expect(!watch.curtain.generating && watch.brightness(at: 10) == 0)
        #expect(ScheduleWatch.nextChangeText(schedule, after: closing).hasPrefix("opens Tue 8 Dec 10:00 ("))
    }

    @Test("one key map: every key, its command for the state in force, and the help text")
    func keyMap() {
        let state = ShowState(exhibition: Exhibition())
        func command(_ key: Character, _ s: ShowState = ShowState(exhibition: Exhibition())) -> ShowCommand? {
            if case let .command(make)? = KeyMap.action(for: key) { return make(s) }
            return nil
        }
        #expect(command(" ") == .pause && command("n") == .nextSitter && command("b") == .blackout(true))
        #expect(command("r") == .reload && command("s") == .snapshot && command("i") == .overlay(!state.overlayVisible))
        var paused = state
        _ = paused.apply(.pause)
        #expect(command(" ", paused) == .resume)
        if case .quit? = KeyMap.action(for: "\u{1b}") {} else { Issue.record("Esc quits") }
        if case .toggleFullscreen? = KeyMap.action(for: "f") {} else { Issue.record("f toggles fullscreen") }
        #expect(KeyMap.action(for: "z") == nil)
        for word in ["space pause", "n next sitter", "b blackout", "r reload", "s save a snapshot", "i info overlay", "f fullscreen"] {
            #expect(KeyMap.helpText.contains(word), "\(word)")
        }
    }

    @Test("lanes: the cores shared by the screens, one frame per core; render-ahead within a tenth of a second")
    func lanes() {
        #expect(LiveLanes.forShow(threads: 0, screens: 1, automaticThreads: 2) == LiveLanes(producers: 2, threadsEach: 1))
        #expect(LiveLanes.forShow(threads: 0, screens: 2, automaticThreads: 2) == LiveLanes(producers: 1, threadsEach: 1))
        #expect(LiveLanes.forShow(threads: 8, screens: 2) == LiveLanes(producers: 4, threadsEach: 1))
        #expect(LiveLanes.forShow(threads: 1, screens: 3) == LiveLanes(producers: 1, threadsEach: 1))
        #expect(LiveLanes(producers: 2, threadsEach: 1).depth(fps: 60) == 5)
        #expect(LiveLanes(producers: 1, threadsEach: 1).depth(fps: 30) == 2)
        #expect(LiveLanes(producers: 4, threadsEach: 1).depth(fps: 60) == 5)
        for producers in 1...4 {
            for fps in [24.0, 30, 50, 60] {
                let d = LiveLanes(producers: producers, threadsEach: 1).depth(fps: fps)
                #expect(d > producers && (Double(d + 1) / fps <= 0.1 + 1e-9 || d == producers + 1))
            }
        }
    }

    @Test("canvas: Lanczos up to 4x each level's picture within the window; below 1.25x the window scales")
    func canvases() {
        #expect(LiveCanvas.levels(pictures: [(32, 32), (64, 64), (128, 128)], window: (200, 200), upscale: .lanczos).map(\.width) == [128, 200, 200])
        #expect(LiveCanvas.levels(pictures: [(32, 32), (64, 64), (128, 128)], window: (200, 200), upscale: .linear).map(\.width) == [32, 64, 128])
        func size(_ p: Int, _ w: Int, _ h: Int, _ u: UpscaleFilter = .lanczos) -> Int { LiveCanvas.textureSize(width: p, height: p, window: (w, h), upscale: u).width }
        #expect(size(128, 1920, 1080) == 512 && size(128, 300, 300) == 300 && size(128, 1920, 1080, .linear) == 128 && size(128, 100, 100) == 128)
        #expect(size(1024, 1920, 1080) == 1024 && size(1024, 1920, 1200) == 1024 && size(1024, 3840, 2160) == 2160)
    }

    @Test("command landing: on screen at the next present, or when every screen shows the first frame assigned after it")
    func commandLanding() {
        var l = CommandLanding()
        l.posted(at: 1, onScreen: true, frames: nil)
        l.presented(at: 1.016)
        #expect(abs((l.lastMilliseconds ?? 0) - 16) < 1e-6)
        l.posted(at: 2, onScreen: false, frames: [10, 20])
        l.shown(12, screen: 0, at: 2.05)
        #expect(abs((l.lastMilliseconds ?? 0) - 16) < 1e-6, "one screen is not enough")
        l.shown(19, screen: 1, at: 2.06)
        l.shown(20, screen: 1, at: 2.08)
        #expect(abs((l.lastMilliseconds ?? 0) - 80) < 1e-6)
    }

    /// A person's "next sitter" during a catch-up skip (which can take seconds) is answered within its own
    /// skip of 1.5 s, not after the catch-up.
    @Test func nextSitterDuringACatchUpSkip() {
        let keyframes: (Double) -> Double? = { ($0 / 10).rounded(.down) * 10 + 10 }   // a sitter every 10 s
        var planner = FramePlanner(fps: 30, origin: 100.2)
        _ = planner.next(wall: 105.2, nextKeyframe: keyframes)   // 5 s behind: a catch-up skip toward 110
        #expect(planner.timeline.isSkipping(atFrame: 1))
        var times = [planner.next(wall: 105.2, pending: .init(skipToNextKeyframe: true), nextKeyframe: keyframes).showTime]
        for _ in 0..<45 { times.append(planner.next(wall: 105.3, nextKeyframe: keyframes).showTime) }
        #expect(times[45] == 110, "on the next sitter 45 frames (1.5 s) after the request: \(times[45])")
        #expect(zip(times.dropFirst(), times).allSatisfy { $0 > $1 }, "time never runs backwards")
    }
}
