import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Show time from the wall clock

/// A wall clock tests move by hand: show seconds since the epoch.
final class TestWallClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double
    init(_ seconds: Double) { self.seconds = seconds }
    func now() -> Double { lock.withLock { seconds } }
    func advance(_ dt: Double) { lock.withLock { seconds += dt } }
}

/// Keyframes every `spacing` seconds (a path's `nextKeyframeTime`).
private func keyframes(every spacing: Double) -> (Double) -> Double? {
    { t in ((t / spacing).rounded(.down) + 1) * spacing }
}

@Suite("Wall-clock show time")
struct WallClockTests {
    @Test("ShowClock: show time is now − epoch (+ the preview offset), and back")
    func clock() throws {
        let epoch = try #require(RFC3339.date(from: "2025-01-01T00:00:00Z"))
        #expect(epoch == ShowSettings.defaultEpoch)
        let clock = ShowClock(epoch: epoch)
        let moment = try #require(RFC3339.date(from: "2026-12-24T19:00:00+01:00"))
        #expect(clock.showTime(at: moment) == moment.timeIntervalSince1970 - 1_735_689_600)
        #expect(clock.date(atShowTime: clock.showTime(at: moment)) == moment)
        let launch = Date(timeIntervalSince1970: 1_800_000_000)
        let preview = ShowClock.previewing(moment, epoch: epoch, launchedAt: launch)
        #expect(preview.showTime(at: launch) == clock.showTime(at: moment))
        #expect(preview.showTime(at: launch.addingTimeInterval(10)) == clock.showTime(at: moment) + 10)
        #expect(preview.moment(at: launch.addingTimeInterval(10)) == moment.addingTimeInterval(10))
        #expect(clock.moment(at: moment) == moment)
        #expect(RFC3339.date(from: "2026-12-24") == nil && RFC3339.date(from: "yesterday") == nil)
    }

    @Test("[show] epoch is read and validated")
    func epochKey() throws {
        let e = try Exhibition.parse("[show]\nepoch = \"2026-06-01T12:00:00+02:00\"\n")
        #expect(e.show.epoch == RFC3339.date(from: "2026-06-01T10:00:00Z"))
        #expect(try Exhibition.parse("title = \"x\"\n").show.epoch == ShowSettings.defaultEpoch)
        #expect(throws: ShowError.self) { try Exhibition.parse("[show]\nepoch = \"June 1st\"\n") }
        #expect(throws: ShowError.self) { try Exhibition.parse("[show]\nepoc = \"2026-06-01T12:00:00Z\"\n") }
    }

    @Test("catch-up: small lags are left alone, larger ones shorten the way to the next keyframe, huge ones dissolve")
    func catchUpRule() {
        let rule = CatchUp()
        let timeline = FrameTimeline(fps: 30, origin: 100)
        let next = keyframes(every: 10)
        #expect(rule.action(timeline: timeline, frame: 0, wall: 100.3, nextKeyframe: next) == .none)
        // 2 s behind, next keyframe at 110: reach it 2 s of frames early.
        #expect(rule.action(timeline: timeline, frame: 0, wall: 102, nextKeyframe: next) == .skip(to: 110, frames: 240))
        // 8 s behind: one fast-forward saves at most half the way (5 s).
        #expect(rule.action(timeline: timeline, frame: 0, wall: 108, nextKeyframe: next) == .skip(to: 110, frames: 150))
        #expect(rule.action(timeline: timeline, frame: 0, wall: 200, nextKeyframe: next) == .dissolve(to: 200, frames: 30))
        // A speed set live leaves the wall clock on purpose.
        var slow = timeline
        slow.setRate(0.5, fromFrame: 0)
        #expect(rule.action(timeline: slow, frame: 0, wall: 105, nextKeyframe: next) == .none)
    }

    /// Generation at half the frame rate: frames are shown at 15 per second, each 1/30 s of show time
    /// apart, so the show would lose half a second every second. With the rule it stays close to the wall
    /// clock, its time never runs backwards, and no frame steps more than 2.5 frames' worth (no jump).
    @Test("catch-up keeps a slow machine near the wall clock without a jump")
    func slowMachineStaysNearTheWallClock() {
        let fps = 30.0, rule = CatchUp()
        let next = keyframes(every: 10)
        var timeline = FrameTimeline(fps: fps, origin: 1000)
        var wall = 1000.0
        var previous = timeline.time(ofFrame: 0)
        var worstLag = 0.0, largestStep = 0.0
        for k in 0..<(30 * 600) {
            switch rule.action(timeline: timeline, frame: k, wall: wall, nextKeyframe: next) {
            case .none: break
            case let .skip(target, frames): timeline.skip(to: target, fromFrame: k, over: frames)
            case .dissolve: Issue.record("a slow machine must not need a dissolve")
            }
            let t = timeline.time(ofFrame: k)
            #expect(t >= previous - 1e-9, "time ran backwards at frame \(k)")
            largestStep = max(largestStep, t - previous)
            previous = t
            if k > 30 * 60 { worstLag = max(worstLag, wall - t) }
            wall += 2 / fps
        }
        #expect(worstLag < 12, "the lag must stay bounded (worst \(worstLag) s)")
        #expect(largestStep <= 2.5 / fps + 1e-9, "a frame stepped \(largestStep * fps) frames of show time")
    }

    private func producer(wall: TestWallClock, count: Int) -> FrameProducer {
        FrameProducer(name: "wall", capacity: 4, fps: 30, count: count, wallClock: { wall.now() }) {
            FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 3, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        }
    }

    /// A show killed and started again shows, as its first frame, the frame a show that never stopped
    /// shows at that moment; two processes started at the same moment agree.
    @Test("a restart continues the one timeline; two boxes agree")
    func restartContinues() throws {
        let wall = TestWallClock(86_400 * 700 + 0.25)
        let reference = FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 3, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        var firsts: [FrameQueue.Item] = []
        for _ in 0..<2 {
            let p = producer(wall: wall, count: 3)
            p.start()
            let item = try #require(p.take())
            firsts.append(item)
            p.stop()
        }
        #expect(firsts[0].showTime == wall.now() && firsts[1].showTime == wall.now())
        #expect(firsts[0].frame == firsts[1].frame)
        #expect(firsts[0].frame == reference.render(at: wall.now()))
        // Killed, and started 3600.5 s later: the first frame is the wall clock's.
        wall.advance(3600.5)
        let later = producer(wall: wall, count: 1)
        later.start()
        let item = try #require(later.take())
        later.stop()
        #expect(item.showTime == wall.now())
        #expect(item.frame == reference.render(at: wall.now()))
    }

    @Test("a lag beyond the dissolve limit dissolves from the old frame into the wall clock's")
    func dissolve() throws {
        let wall = TestWallClock(5000)
        let p = FrameProducer(name: "dissolve", capacity: 64, fps: 30, count: 40, wallClock: { wall.now() },
                              catchUp: CatchUp(dissolveBeyond: 60, dissolveSeconds: 1)) {
            FrameRenderer(generator: FakeGenerator(delay: 0.01), path: FakePath(seed: 3, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        }
        wall.advance(0)
        p.start()
        let first = try #require(p.take())
        wall.advance(600)   // a machine that was suspended for ten minutes
        var items: [FrameQueue.Item] = [first]
        while let item = p.take() { items.append(item) }
        // Frames already painted before the jump keep the old times; then the timeline restarts near 5600.
        let cut = try #require(items.firstIndex { $0.showTime > 5500 })
        #expect(items[cut].showTime == 5600 || items[cut].showTime > 5599)
        #expect(items.count == 40)
        // The first frames after the cut are blends: neither the old picture nor the new one.
        let reference = FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 3, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        #expect(items[cut].frame != reference.render(at: items[cut].showTime))
        if cut + 31 < items.count {
            #expect(items[cut + 31].frame == reference.render(at: items[cut + 31].showTime), "after the dissolve, plain frames")
        }
    }

    @Test("headless: origin moves frame 0 to a show moment, bit for bit")
    func headlessOrigin() {
        var timeline = FrameTimeline(fps: 30, origin: 3600)
        #expect(timeline.time(ofFrame: 30) == 3601)
        #expect(FrameTimeline(fps: 30).time(ofFrame: 7) == 7.0 / 30)
        timeline.restart(at: 10, fromFrame: 5)
        #expect(timeline.time(ofFrame: 5) == 10 && timeline.time(ofFrame: 35) == 11)
    }
}
