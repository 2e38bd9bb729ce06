import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Frame producer

@Suite(.serialized) struct FrameProducerTests {
    func producer(count: Int?, capacity: Int = 3) -> FrameProducer {
        FrameProducer(name: "test", capacity: capacity, fps: 30, count: count) {
            FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 1, zDim: 8, period: nil), outputWidth: 24, outputHeight: 24)
        }
    }

    /// With every frame released, the producer paints over the same few frames: its allocations stop growing.
    @Test func steadyStateReusesFrames() {
        let p = producer(count: 200)
        p.start()
        var seen = 0
        while let item = p.take() {
            seen += 1
            p.release(item)
        }
        p.stop()
        #expect(seen == 200)
        #expect(p.framesAllocated <= p.capacity + 3, "\(p.framesAllocated) frames allocated for 200")
    }

    /// The negative control: frames kept by the consumer are never painted over, so every frame is a new one.
    /// (This is what makes `steadyStateReusesFrames` able to fail.)
    @Test func framesStillHeldAreNeverWrittenInto() {
        let p = producer(count: 40)
        p.start()
        var kept: [(FrameProducer.Item, [UInt8])] = []
        while let item = p.take() {
            kept.append((item, item.frame.pixels))
            p.release(item)   // released, but a copy is still held here
        }
        p.stop()
        #expect(kept.count == 40)
        for (item, snapshot) in kept { #expect(item.frame.pixels == snapshot, "frame \(item.index) was overwritten") }
        #expect(p.framesAllocated >= 40 - p.capacity, "held frames must be copied, not reused: \(p.framesAllocated)")
        // Frame k shows k / fps.
        #expect(kept.map(\.0.showTime) == (0..<40).map { Double($0) / 30 })
    }

    @Test func aSkipFastForwardsToAKeyframeWithoutRunningBackwards() {
        let control = ProducerControl()
        let p = FrameProducer(name: "skip", capacity: 2, fps: 30, count: 120, skipSeconds: 1, control: control) {
            FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 1, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        }
        control.skipToNextKeyframe()
        p.start()
        var times: [Double] = []
        while let item = p.take() {
            times.append(item.showTime)
            p.release(item)
        }
        p.stop()
        #expect(times.count == 120)
        #expect(zip(times.dropFirst(), times).allSatisfy { $0 > $1 })
        // FakePath has a keyframe every second; the skip (30 frames) starts at 0 and must reach the keyframe after 1 s: 2 s.
        #expect(times.contains(2.0), "lands on the keyframe")
        #expect(abs(times[119] - (2 + 89.0 / 30)) < 1e-9)
    }

    /// Frame threading: two threads paint the frames of one producer; they come out in order, byte-identical
    /// to one thread's (and so to `frames --at`).
    @Test func twoThreadsPaintTheSameFramesInOrder() {
        func frames(_ producers: Int) -> [FrameProducer.Item] {
            let p = FrameProducer(name: "lanes", producers: producers, capacity: 4, fps: 30, count: 40, origin: 100) {
                FrameRenderer(generator: FakeGenerator(delay: 0.001), path: FakePath(seed: 2, zDim: 8, period: nil), outputWidth: 24, outputHeight: 24)
            }
            p.start()
            var items: [FrameProducer.Item] = []
            while let item = p.take() { items.append(item) }
            p.stop()
            return items
        }
        let one = frames(1), two = frames(2)
        #expect(two.map(\.index) == Array(0..<40))
        #expect(two.map(\.frame) == one.map(\.frame) && two.map(\.showTime) == one.map(\.showTime))
        #expect(two[7].showTime == 100 + 7.0 / 30)
    }

    /// Render ahead: a change posted while frame j is on screen lands at most `depth + 1` frames later, on every
    /// thread count (100 ms at 60 fps with the live show's depth of 5). Structural: frames are assigned only
    /// `depth` ahead of the consumer (one more may be taken on in the instant of the post), so this holds
    /// however fast or slow the threads are.
    @Test(arguments: [1, 2, 3]) func aChangeLandsWithinTheRenderAheadDepth(producers: Int) {
        let depth = LiveLanes(producers: producers, threadsEach: 1).depth(fps: 60)
        let p = FrameProducer(name: "ahead", producers: producers, capacity: depth, fps: 60, count: 200) {
            FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 1, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        }
        p.start()
        var times: [Double] = []
        var postedAt: Int?
        while let item = p.take() {
            times.append(item.showTime)
            if item.index == 100 {
                p.control.setRate(0.25)
                postedAt = item.index
            }
            p.release(item)
        }
        p.stop()
        let steps = zip(times.dropFirst(), times).map { $0 - $1 }
        // steps[k] = t(k + 1) − t(k): the first slow step starts at the frame the change landed on.
        let landed = steps.firstIndex { abs($0 - 0.25 / 60) < 1e-9 }
        #expect(postedAt == 100 && landed != nil)
        if let landed { #expect(landed > 100 && landed <= 100 + depth + 1, "landed at frame \(landed), depth \(depth)") }
        #expect(Double(depth + 1) / 60 <= 0.1 + 1e-9 || depth == producers + 1)
    }
}
