import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Frame timeline

@Suite struct FrameTimelineTests {
    @Test func withoutChangesFrameKIsKOverFPSExactly() {
        let timeline = FrameTimeline(fps: 30)
        for k in [0, 1, 7, 29, 30, 1799, 123_457] {
            #expect(timeline.time(ofFrame: k) == Double(k) / 30)
        }
    }

    @Test func aNewRateContinuesWithoutAJump() {
        var timeline = FrameTimeline(fps: 60)
        let before = timeline.time(ofFrame: 100)
        timeline.setRate(2, fromFrame: 100)
        #expect(timeline.time(ofFrame: 100) == before)
        #expect(abs(timeline.time(ofFrame: 160) - (before + 2)) < 1e-12)
    }

    @Test(arguments: [1.0, 0.5, 3.0])
    func aSkipIsMonotoneSmoothAndLandsOnTheTarget(rate: Double) {
        var timeline = FrameTimeline(fps: 60)
        timeline.setRate(rate, fromFrame: 0)
        let k = 50, n = 90
        let target = timeline.earliestSkipTarget(fromFrame: k, over: n) + 7.3
        timeline.skip(to: target, fromFrame: k, over: n)
        let times = (k...k + n + 10).map { timeline.time(ofFrame: $0) }
        let steps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(steps.allSatisfy { $0 > 0 }, "time never runs backwards")
        #expect(abs(timeline.time(ofFrame: k + n) - target) < 1e-9, "lands on the target")
        let normal = rate / 60
        // Slopes at both ends are the normal step (C¹): the first and last steps of the skip are close to it.
        #expect(abs(steps[0] - normal) < normal * 0.1 + 7.3 / Double(n) * 0.1)
        #expect(abs(steps[steps.count - 1] - normal) < 1e-9, "after the skip the tempo is the old one")
        // Second differences stay bounded (no jerk): at most the size of the mean extra speed spread over the skip.
        let second = zip(steps.dropFirst(), steps).map { abs($0 - $1) }
        #expect((second.max() ?? 0) < 6.5 * 7.3 / Double(n * n) + 1e-9)
    }
}
