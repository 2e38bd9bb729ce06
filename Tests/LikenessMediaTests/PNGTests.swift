import Foundation
import Testing
@testable import LikenessMedia

func temporaryFolder(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("likeness-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct PNGTests {
    @Test func roundTripIsLossless() throws {
        let frame = noiseFrame(width: 37, height: 11)
        let url = temporaryFolder().appendingPathComponent("a.png")
        try PNGCodec.write(frame, to: url)
        #expect(try PNGCodec.read(from: url) == frame)
    }

    @Test func encodingIsDeterministic() throws {
        let frame = noiseFrame(width: 20, height: 20)
        let a = try PNGCodec.encode(frame), b = try PNGCodec.encode(frame)
        #expect(a == b)
        #expect(Array(a.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test func garbageIsAClearError() {
        do {
            _ = try PNGCodec.decode([1, 2, 3, 4], path: "x.png")
            Issue.record("decoded garbage")
        } catch {
            #expect(error.description.contains("x.png"))
        }
    }

    @Test func unwritableFolderIsAClearError() {
        do {
            try PNGCodec.write(Frame(width: 2, height: 2), to: URL(fileURLWithPath: "/proc/likeness/nope.png"))
            Issue.record("wrote into /proc")
        } catch {
            #expect(error.description.contains("nope.png"))
        }
    }

    @Test func sequenceSinkNumbersFromTheStartIndex() throws {
        let folder = temporaryFolder()
        let sink = try PNGSequenceSink(directory: folder, startIndex: 41)
        try sink.write(Frame(width: 4, height: 4))
        try sink.write(Frame(width: 4, height: 4, color: .white))
        try sink.finish()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["frame-000041.png", "frame-000042.png"])
        #expect(PNGSequenceSink.fileName(index: 1_234_567) == "frame-1234567.png")
    }

    @Test func rawSinkWritesBytesAndReportsAClosedPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let sink = RawStreamSink(fileDescriptor: fds[1], name: "test pipe")
        let frame = noiseFrame(width: 4, height: 3)
        try sink.write(frame)
        var buffer = [UInt8](repeating: 0, count: 36)
        #expect(read(fds[0], &buffer, 36) == 36)
        #expect(buffer == frame.pixels)
        close(fds[0])
        #expect(throws: MediaError.brokenPipe(what: "test pipe")) { try sink.write(frame) }
        close(fds[1])
    }
}
