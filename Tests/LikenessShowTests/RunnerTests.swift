import Foundation
import LikenessEngine
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Frame queue

@Suite struct FrameQueueTests {
    @Test func boundedQueueHandsOverInOrderAndCloses() {
        let queue = FrameQueue(capacity: 2)
        let frame = Frame(width: 2, height: 2)
        let done = DispatchSemaphore(value: 0)
        Thread {
            for i in 0..<10 {
                queue.put(.init(frame: frame, index: i, showTime: 0, renderSeconds: 0, producedAt: 0))
            }
            queue.close()
            done.signal()
        }.start()
        var seen: [Int] = []
        while let item = queue.take() {
            #expect(queue.count <= 2)
            seen.append(item.index)
        }
        done.wait()
        #expect(seen == Array(0..<10))
    }

    @Test func recycledFramesAreReused() {
        let queue = FrameQueue(capacity: 2)
        queue.recycle(Frame(width: 4, height: 4))
        #expect(queue.reusableFrame(width: 3, height: 3) == nil)
        queue.recycle(Frame(width: 4, height: 4))
        #expect(queue.reusableFrame(width: 4, height: 4) != nil)
    }
}

// MARK: - Headless renderer

@Suite(.serialized) struct HeadlessRendererTests {
    func render(start: Int, count: Int, width: Int = 32, height: Int = 24) throws -> [Frame] {
        let sink = MemorySink()
        let job = HeadlessJob(fps: 30, width: width, height: height, startFrame: start, count: count)
        let renderer = HeadlessRenderer(exhibition: Exhibition(), job: job, makeGenerator: fakeGeneratorFactory, makePath: fakePathFactory)
        let outcome = try renderer.run(into: sink)
        #expect(outcome == .completed(frames: count))
        #expect(sink.finished)
        return sink.frames
    }

    @Test func sameJobSameBytes() throws {
        let a = try render(start: 0, count: 6)
        let b = try render(start: 0, count: 6)
        #expect(a == b)
        #expect(a.count == 6)
        #expect(a[0] != a[5], "the picture should move")
        #expect(a[0].width == 32 && a[0].height == 24)
    }

    @Test func resumingGivesTheSameFrames() throws {
        let all = try render(start: 0, count: 8)
        let tail = try render(start: 5, count: 3)
        #expect(Array(all[5...]) == tail)
    }

    @Test func stopRequestEndsCleanly() throws {
        let sink = MemorySink()
        let job = HeadlessJob(fps: 30, width: 16, height: 16, count: 1000)
        let outcome = try HeadlessRenderer(exhibition: Exhibition(), job: job, makeGenerator: fakeGeneratorFactory, makePath: fakePathFactory,
                                           stopRequested: { true }).run(into: sink)
        guard case let .interrupted(frames) = outcome else {
            Issue.record("expected an interruption, got \(outcome)")
            return
        }
        #expect(frames < 1000)
        #expect(sink.finished)
    }

    @Test func generatorFailureIsReported() {
        struct Boom: Error {}
        let job = HeadlessJob(fps: 30, width: 16, height: 16, count: 3)
        let renderer = HeadlessRenderer(exhibition: Exhibition(), job: job, makeGenerator: { _ in throw Boom() }, makePath: fakePathFactory)
        #expect(throws: Boom.self) { try renderer.run(into: MemorySink()) }
    }

    func render(threading: HeadlessThreading, threads: Int, start: Int, count: Int,
                makeGenerator: @escaping GeneratorFactory = fakeGeneratorFactory) throws -> (frames: [Frame], threads: [Int]) {
        var exhibition = Exhibition()
        exhibition.output.threading = threading
        exhibition.model.threads = threads
        let asked = ThreadCounts()
        let sink = MemorySink()
        let job = HeadlessJob(fps: 30, width: 20, height: 20, startFrame: start, count: count)
        let outcome = try HeadlessRenderer(exhibition: exhibition, job: job, makeGenerator: { t in
            asked.append(t)
            return try makeGenerator(t)
        }, makePath: fakePathFactory).run(into: sink)
        #expect(outcome == .completed(frames: count))
        return (sink.frames, asked.values)
    }

    @Test func frameThreadingPaintsTheSameFramesInOrderWithOneSingleThreadedModelPerThread() throws {
        let layers = try render(threading: .layers, threads: 3, start: 4, count: 11)
        #expect(layers.threads == [3], "layers: one model on all the threads")
        for threads in [2, 3] {
            let frames = try render(threading: .frames, threads: threads, start: 4, count: 11)
            #expect(frames.frames == layers.frames, "\(threads) producers: other frames or another order")
            #expect(frames.threads == Array(repeating: 1, count: threads))
        }
        // Fewer frames than threads: one producer per frame; a single frame keeps the threads together.
        #expect(try render(threading: .frames, threads: 3, start: 0, count: 2).threads == [1, 1])
        #expect(try render(threading: .frames, threads: 3, start: 0, count: 1).threads == [3])
        let resumed = try render(threading: .frames, threads: 2, start: 9, count: 6)
        #expect(resumed.frames == Array(layers.frames[5...]))
    }

    @Test func frameThreadingReportsAFailingProducerAndStopsTheOthers() {
        struct Boom: Error {}
        let made = ThreadCounts()
        #expect(throws: Boom.self) {
            _ = try render(threading: .frames, threads: 2, start: 0, count: 50) { t in
                made.append(t)
                if made.values.count == 2 { throw Boom() }
                return FakeGenerator()
            }
        }
    }

    func lanes(threading: HeadlessThreading, threads: Int, frames: Int?, automaticThreads: Int) -> [Int] {
        let l = HeadlessRenderer.lanes(threading: threading, threads: threads, frames: frames, automaticThreads: automaticThreads)
        return [l.producers, l.threadsEach]
    }

    @Test func threadingIsReadFromTheOutputTable() throws {
        #expect(try Exhibition.parse("").output.threading == .frames)
        #expect(try Exhibition.parse("[output]\nthreading = \"layers\"\n").output.threading == .layers)
        #expect(try Exhibition.parse("[output]\nthreading = \"frames\"\n").output.threading == .frames)
        #expect(try Exhibition.parse("").output.preset == .superfast)
        #expect(try Exhibition.parse("[output]\npreset = \"veryslow\"\n").output.preset == .veryslow)
    }

    @Test func lanesFollowThreadingThreadsAndFrames() {
        #expect(lanes(threading: .frames, threads: 0, frames: nil, automaticThreads: 2) == [2, 1])
        #expect(lanes(threading: .frames, threads: 0, frames: 100, automaticThreads: 1) == [1, 0])
        #expect(lanes(threading: .frames, threads: 0, frames: 100, automaticThreads: 3) == [3, 1])
        #expect(HeadlessRenderer.lanes(threading: .frames, threads: 0, frames: nil).producers == CompiledModel.automaticThreads)
        #expect(lanes(threading: .frames, threads: 4, frames: 3, automaticThreads: 2) == [3, 1])
        #expect(lanes(threading: .layers, threads: 2, frames: 100, automaticThreads: 2) == [1, 2])
    }
}

/// The thread counts generators were asked for, from any producing thread.
final class ThreadCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ value: Int) { lock.withLock { list.append(value) } }
    var values: [Int] { lock.withLock { list.sorted() } }
}

// MARK: - Frame renderer

@Suite struct FrameRendererTests {
    @Test func modelSizeNeedsNoResampling() {
        let r = FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 1, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        #expect(r.pipeline.stages.count == 1, "only the generator runs")
        var planes = [Float](repeating: 0, count: 16 * 16 * 3)
        var z = [Float](repeating: 0, count: 8)
        z.withUnsafeMutableBufferPointer { FakePath(seed: 1, zDim: 8, period: nil).latent(at: 2, into: $0) }
        z.withUnsafeBufferPointer { zb in planes.withUnsafeMutableBufferPointer { FakeGenerator().render(latents: zb, into: $0) } }
        #expect(r.render(at: 2) == PlanarImage(channels: 3, width: 16, height: 16, storage: planes).frame)
    }

    @Test func progressBarShowsFramesFPSAndETA() {
        let bar = ProgressReporter.bar(done: 450, total: 1800, fps: 24.1)
        #expect(bar.contains("450/1800 frames"))
        #expect(bar.contains("24.1 fps"))
        #expect(bar.contains("ETA 0:56"))
        #expect(ProgressReporter.plain(done: 900, total: 1800, fps: 10).contains("(50%)"))
        var lines: [String] = []
        let plain = ProgressReporter(label: "record", total: 10, interactive: false) { lines.append($0) }
        for i in 1...10 { plain.update(done: i) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("record: ") && !$0.contains("\r") })
    }
}

// MARK: - Loops with the real path

@Suite struct LoopSeamTests {
    /// With LikenessPath's loop and a generator that reacts strongly to the latent, a recorded loop's seam
    /// (last frame → first) is a step like the others, and one period on the first frame comes back.
    @Test func recordedLoopClosesWithoutASeam() throws {
        var exhibition = Exhibition()
        exhibition.output.fps = 12
        let plan = try RecordingPlan(exhibition: exhibition, seconds: 3, loop: true)
        #expect(plan.frameCount == 36)
        let sink = MemorySink()
        let job = HeadlessJob(fps: 12, width: 16, height: 16, count: plan.frameCount + 1)
        let renderer = HeadlessRenderer(exhibition: plan.exhibition, job: job,
                                        makeGenerator: { _ in FakeGenerator() }, makePath: LoadedModel.makePath)
        _ = try renderer.run(into: sink)
        let frames = sink.frames
        #expect(frames.count == 37)
        guard frames.count == 37 else { return }
        let steps = (0..<35).map { frames[$0].meanAbsoluteDifference(to: frames[$0 + 1]) }
        let seam = frames[35].meanAbsoluteDifference(to: frames[0])
        let low = steps.min() ?? 0, high = steps.max() ?? 0
        #expect(low > 0.05, "the fake generator should make every step visible (min step \(low))")
        #expect(seam >= low * 0.5 && seam <= high * 1.5, "seam \(seam) outside [\(low), \(high)]")
        #expect(frames[36].meanAbsoluteDifference(to: frames[0]) < 0.5)
    }
}
