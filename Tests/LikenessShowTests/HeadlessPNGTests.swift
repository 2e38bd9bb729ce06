import Foundation
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

/// A flag one thread sets and another polls.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    func get() -> Bool { lock.withLock { value } }
}

private func scratchFolder(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("likeness-headless-\(getpid())-\(name.filter { $0.isLetter })-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// PNGs from the headless pipeline: the producer thread renders the next frames while the calling thread
/// encodes and writes this one.
@Suite(.serialized) struct HeadlessPNGTests {
    static let job = HeadlessJob(fps: 30, width: 48, height: 32, startFrame: 3, count: 12)

    /// The frames of `job`, straight from the renderer.
    func expectedFrames() throws -> [Frame] {
        let sink = MemorySink()
        _ = try HeadlessRenderer(exhibition: Exhibition(), job: Self.job, makeGenerator: fakeGeneratorFactory, makePath: fakePathFactory)
            .run(into: sink)
        return sink.frames
    }

    func files(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func everyFrameIsWrittenInOrderUnderItsNumber() throws {
        let folder = scratchFolder()
        let sink = try PNGSequenceSink(directory: folder, startIndex: Self.job.startFrame)
        let outcome = try HeadlessRenderer(exhibition: Exhibition(), job: Self.job, makeGenerator: fakeGeneratorFactory, makePath: fakePathFactory)
            .run(into: sink)
        #expect(outcome == .completed(frames: 12))
        let expected = try expectedFrames()
        #expect(try files(in: folder) == (3..<15).map(PNGSequenceSink.fileName(index:)))
        for (i, frame) in expected.enumerated() {
            let name = PNGSequenceSink.fileName(index: 3 + i)
            #expect(try PNGCodec.read(from: folder.appendingPathComponent(name)) == frame, "\(name) is not frame \(3 + i)")
        }
    }

    @Test func aWriteErrorStopsTheRunNamesTheFileAndKeepsTheFramesBefore() throws {
        let folder = scratchFolder()
        let moved = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + "-moved")
        let sink = try PNGSequenceSink(directory: folder, startIndex: Self.job.startFrame)
        let renderer = HeadlessRenderer(exhibition: Exhibition(), job: Self.job, makeGenerator: fakeGeneratorFactory, makePath: fakePathFactory)
        var reported = 0
        do {
            _ = try renderer.run(into: sink) { done in
                reported = done
                // After four frames the folder goes away and a file takes its name: the next write must fail.
                if done == 4 {
                    try? FileManager.default.moveItem(at: folder, to: moved)
                    try? Data("not a folder".utf8).write(to: folder)
                }
            }
            Issue.record("the run went on after its folder was replaced by a file")
        } catch let error as MediaError {
            #expect(error.description.contains(folder.appendingPathComponent("frame-000007.png").path), "\(error)")
            #expect(error.description.contains("Not a directory"), "\(error)")
        }
        #expect(reported == 4, "no frame may be counted as written after the failure")
        let expected = try expectedFrames()
        #expect(try files(in: moved) == (3..<7).map(PNGSequenceSink.fileName(index:)), "no partial or temporary files")
        for i in 0..<4 {
            #expect(try PNGCodec.read(from: moved.appendingPathComponent(PNGSequenceSink.fileName(index: 3 + i))) == expected[i])
        }
    }

    @Test func aStopFinishesWithEveryCountedFrameOnDisk() throws {
        let folder = scratchFolder()
        let stop = Flag()
        let sink = try PNGSequenceSink(directory: folder, startIndex: Self.job.startFrame)
        let renderer = HeadlessRenderer(exhibition: Exhibition(), job: Self.job, makeGenerator: fakeGeneratorFactory, makePath: fakePathFactory,
                                        stopRequested: { stop.get() })
        let outcome = try renderer.run(into: sink) { done in if done == 5 { stop.set() } }
        #expect(outcome == .interrupted(frames: 5))
        // Resuming at 3 + 5 continues exactly: frames 3...7 are on disk, whole, and nothing after them.
        #expect(try files(in: folder) == (3..<8).map(PNGSequenceSink.fileName(index:)))
        let expected = try expectedFrames()
        for i in 0..<5 {
            #expect(try PNGCodec.read(from: folder.appendingPathComponent(PNGSequenceSink.fileName(index: 3 + i))) == expected[i])
        }
    }
}
