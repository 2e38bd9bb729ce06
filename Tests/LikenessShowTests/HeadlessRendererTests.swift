import Foundation
import LikenessEngine
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

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
