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

// MARK: - Latent path keyframes

@Suite struct NextKeyframeTests {
    @Test func sittersSkipToTheNextSittersHold() {
        let path = LatentPath(seed: 1, zDim: 8, style: .sitters(hold: 6, morph: 4), speed: 2)
        #expect(path.nextKeyframeTime(after: 0) == 5)
        #expect(path.nextKeyframeTime(after: 4.99) == 5)
        #expect(path.nextKeyframeTime(after: 5) == 10)
    }

    @Test func driftAndLoopSkipToTheNextFace() {
        #expect(LatentPath(seed: 1, zDim: 8, style: .drift(secondsPerKeyframe: 8)).nextKeyframeTime(after: 9) == 16)
        #expect(LatentPath(seed: 1, zDim: 8, style: .loop(keyframes: 6, period: 60)).nextKeyframeTime(after: 21) == 30)
    }
}

// MARK: - Stage pipeline

@Suite struct StagePipelineTests {
    @Test func theStandardListIsGeneratorThenLanczos() {
        let generator = FakeGenerator()
        let pipeline = StagePipeline(configuration: .standard(width: 40, height: 32), generator: generator)
        #expect(pipeline.stages.map(\.name) == ["generator", "lanczos"])
        #expect(pipeline.inputShape == PlaneShape(channels: 8, width: 1, height: 1))
        #expect(pipeline.outputShape == PlaneShape(channels: 3, width: 40, height: 32))
        #expect(StagePipeline(configuration: .standard(width: 16, height: 16), generator: generator).stages.map(\.name) == ["generator"])
    }

    /// The frame is the float planes resampled, then quantised once: byte for byte the RGB8 rule applied to the planes.
    @Test func theFrameIsQuantisedOnceAfterResampling() {
        let generator = FakeGenerator()
        let pipeline = StagePipeline(configuration: .standard(width: 48, height: 48), generator: generator)
        let z = [Float](repeating: 0.4, count: 8)
        var frame = Frame(width: 48, height: 48)
        z.withUnsafeBufferPointer { pipeline.run(latent: $0, into: &frame) }
        let planes = pipeline.finalPlanes
        var expected = PlanarImage(channels: 3, width: 16, height: 16)
        z.withUnsafeBufferPointer { zb in expected.withUnsafeMutableBufferPointer { generator.render(latents: zb, into: $0) } }
        var resampled = PlanarImage(channels: 3, width: 48, height: 48)
        LanczosResampler(sourceWidth: 16, sourceHeight: 16, targetWidth: 48, targetHeight: 48).resample(expected, into: &resampled)
        #expect(planes == resampled)
        #expect(frame == resampled.frame)
    }
}

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
}

// MARK: - Show state and commands

@Suite struct ShowStateTests {
    @Test func pauseResumeOverlayBlackout() {
        var state = ShowState(exhibition: Exhibition())
        #expect(state.apply(.pause) == [.redraw] && state.paused)
        #expect(state.apply(.pause) == [])
        #expect(state.apply(.resume) == [.redraw] && !state.paused)
        #expect(state.apply(.overlay(true)) == [.redraw] && state.overlayVisible)
        #expect(state.apply(.blackout(true)) == [.redraw] && state.blackout)
        #expect(state.apply(.snapshot) == [.snapshot])
        #expect(state.apply(.nextSitter) == [.skipToNextKeyframe])
    }

    @Test func speedAndTruncationAreRelativeToThePathAndChecked() {
        var e = Exhibition()
        e.motion.speed = 2
        e.motion.truncation = 0.8
        var state = ShowState(exhibition: e)
        #expect(state.apply(.setSpeed(3)) == [.setRate(1.5), .redraw])
        #expect(state.speed == 3)
        #expect(state.apply(.setTruncation(0.4)) == [.setLatentScale(0.5), .redraw])
        guard case .log = state.apply(.setSpeed(0))[0] else { Issue.record("speed 0 accepted"); return }
        guard case .log = state.apply(.setTruncation(.nan))[0] else { Issue.record("NaN truncation accepted"); return }
        #expect(state.speed == 3 && state.truncation == 0.4)
    }

    @Test func aBadReloadKeepsTheOldExhibitionWithALogLine() {
        var state = ShowState(exhibition: Exhibition(title: "old"))
        let effects = state.apply(.reload) { try Exhibition.parse("[motion]\nstyle = \"wobble\"\n", file: "show.toml") }
        #expect(state.exhibition.title == "old")
        guard effects.count == 1, case let .log(line) = effects[0] else { Issue.record("\(effects)"); return }
        #expect(line.contains("reload failed") && line.contains("show.toml:2"))
    }

    @Test func aGoodReloadRestartsTheProducers() {
        var state = ShowState(exhibition: Exhibition(title: "old"))
        let effects = state.apply(.reload) { try Exhibition.parse("title = \"new\"\n[motion]\nspeed = 2\n") }
        #expect(state.exhibition.title == "new" && state.speed == 2)
        #expect(effects.contains(.restartProducers))
    }

    @Test func theQueueKeepsOrderAcrossThreads() async {
        let queue = ShowCommandQueue()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask { for _ in 0..<100 { queue.post(.setSpeed(Double(i + 1))) } }
            }
        }
        let drained = queue.drain()
        #expect(drained.count == 800)
        #expect(queue.drain().isEmpty)
        for i in 1...8 { #expect(drained.filter { $0 == .setSpeed(Double(i)) }.count == 100) }
    }
}
