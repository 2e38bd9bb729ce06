import Foundation
import Testing
@testable import LikenessMedia

/// A frame like a portrait: smooth gradients with a little grain (noise alone does not compress, and
/// flat colour compresses too well to show a filter bug's effect on the bytes).
func portraitLikeFrame(width: Int, height: Int, seed: UInt64 = 7) -> Frame {
    var state = seed
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let base = 128 + 90 * sin(Double(x) * 0.05 + Double(c)) * cos(Double(y) * 0.04)
                pixels[(y * width + x) * 3 + c] = UInt8(max(0, min(255, base + Double(Int(state >> 62) - 2))))
            }
        }
    }
    return Frame(width: width, height: height, pixels: pixels)
}

/// The Python of the project's venv (`make test` sets `LIKENESS_PYTHON`), for a second decoder (Pillow).
private let python: String? = ProcessInfo.processInfo.environment["LIKENESS_PYTHON"].flatMap {
    FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
}

@Suite struct PNGFilterTests {
    /// Row lengths around the 16-byte vector width, odd ones included.
    static let lengths = [1, 2, 3, 4, 15, 16, 17, 18, 19, 31, 33, 48, 50, 97, 3240]

    @Test(arguments: PNGFilter.allCases)
    func fastFilterMatchesTheSpecification(filter: PNGFilter) {
        for bpp in [1, 3, 4] {
            for n in Self.lengths {
                let row = noiseFrame(width: n, height: 1, seed: UInt64(n)).pixels.prefix(n).map { $0 }
                let prior = noiseFrame(width: n, height: 1, seed: UInt64(n + 1000)).pixels.prefix(n).map { $0 }
                var fast = [UInt8](repeating: 0xAA, count: n)
                row.withUnsafeBufferPointer { r in
                    prior.withUnsafeBufferPointer { p in
                        fast.withUnsafeMutableBufferPointer { filter.apply(row: r, prior: p, bytesPerPixel: bpp, into: $0) }
                    }
                }
                let reference = filter.applyReference(row: row, prior: prior, bytesPerPixel: bpp)
                let firstDifference = fast.indices.first { fast[$0] != reference[$0] }
                #expect(firstDifference == nil, "\(filter), \(bpp) bytes per pixel, \(n) bytes: first difference at \(firstDifference ?? -1)")
            }
        }
    }

    @Test func paethTiesFollowTheSpecification() {
        // a = b = c: all three distances tie at 0, and Paeth must pick a; a = 10, b = 20, c = 15: pa = pb = 5, pc = 0 → c.
        #expect(PNGFilter.filtered(.paeth, x: 100, a: 7, b: 7, c: 7) == 93)
        #expect(PNGFilter.filtered(.paeth, x: 100, a: 10, b: 20, c: 15) == 85)
        #expect(PNGFilter.filtered(.paeth, x: 0, a: 200, b: 100, c: 250) == 0 &- 100)
    }
}

@Suite struct PNGEncoderTests {
    static let sizes = [(1, 1), (2, 1), (1, 3), (5, 3), (37, 11), (300, 7), (1080, 40)]

    static let settings: [PNGOptions] = [.fast, .small] + [0, 1, 9].map { PNGOptions(filter: .none, level: $0) }
        + PNGFilter.allCases.map { PNGOptions(filter: $0, level: 1) } + PNGFilter.allCases.map { PNGOptions(filter: $0, level: 1, strategy: .runLength) }

    @Test(arguments: settings)
    func everyFilterAndLevelDecodesToTheSamePixels(options: PNGOptions) throws {
        let encoder = try PNGEncoder(options: options)
        for (w, h) in Self.sizes {
            let frame = portraitLikeFrame(width: w, height: h)
            let bytes = try encoder.encode(frame)
            #expect(try PNGCodec.decode(bytes) == frame, "\(options), \(w)x\(h)")
        }
    }

    @Test func pixelsAreThoseOfTheLibpngEncoder() throws {
        // The writer before this one (libpng's simplified API: adaptive filters, level 6) is the reference.
        let frame = portraitLikeFrame(width: 1080, height: 64)
        let before = try PNGCodec.decode(try PNGCodec.encodeWithLibpng(frame))
        let after = try PNGCodec.decode(try PNGCodec.encode(frame))
        #expect(before == frame)
        #expect(after.pixels == before.pixels)
    }

    @Test func headerDescribesAn8BitRGBImage() throws {
        let bytes = try PNGEncoder().encode(Frame(width: 300, height: 7))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(bytes[12..<16]) == Array("IHDR".utf8))
        #expect(Array(bytes[16..<24]) == [0, 0, 1, 44, 0, 0, 0, 7])
        #expect(Array(bytes[24..<29]) == [8, 2, 0, 0, 0])
        #expect(Array(bytes.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }

    @Test func oneEncoderGivesTheBytesOfAFreshOne() throws {
        // Deflate state and buffers carry over between frames: a reset that missed something would show here.
        let reused = try PNGEncoder()
        let frames = [portraitLikeFrame(width: 64, height: 64, seed: 1), noiseFrame(width: 200, height: 90),
                      portraitLikeFrame(width: 8, height: 300, seed: 2), portraitLikeFrame(width: 64, height: 64, seed: 1)]
        var kept: [[UInt8]] = []
        for frame in frames {
            let bytes = try reused.encode(frame)
            #expect(bytes == (try PNGEncoder().encode(frame)))
            kept.append(bytes)   // held across the next calls: they must not write into it
        }
        for (bytes, frame) in zip(kept, frames) { #expect(try PNGCodec.decode(bytes) == frame) }
    }

    @Test func levelsTradeSizeForSpeed() throws {
        let frame = portraitLikeFrame(width: 256, height: 256)
        func size(_ options: PNGOptions) throws -> Int { try PNGEncoder(options: options).encode(frame).count }
        #expect(try size(PNGOptions(filter: .none, level: 0)) > 256 * 256 * 3, "level 0 stores")
        #expect(try size(.fast) < 256 * 256 * 3 / 2)
        #expect(try size(PNGOptions(filter: .up, level: 9)) < size(PNGOptions(filter: .up, level: 1)))
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFile() throws {
        let folder = temporaryFolder()
        let url = folder.appendingPathComponent("frame.png")
        let encoder = try PNGEncoder()
        try encoder.write(portraitLikeFrame(width: 40, height: 30), to: url)
        try encoder.write(portraitLikeFrame(width: 40, height: 30, seed: 9), to: url)   // replaces
        #expect(try PNGCodec.read(from: url) == portraitLikeFrame(width: 40, height: 30, seed: 9))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["frame.png"])
    }

    @Test func aFailedWriteNamesTheFileAndLeavesNothingBehind() throws {
        let folder = temporaryFolder()
        let blocker = folder.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        let url = blocker.appendingPathComponent("frame-000003.png")
        do {
            try PNGEncoder().write(Frame(width: 4, height: 4), to: url)
            Issue.record("wrote below a regular file")
        } catch {
            #expect(error.description.contains(url.path))
            #expect(error.description.contains("Not a directory"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["not-a-folder"])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full"))
    func aFullDiskNamesTheFileAndLeavesNoTemporaryFile() throws {
        // The temporary name is a link to /dev/full, which fails every write with ENOSPC like a full disk.
        let folder = temporaryFolder()
        let url = folder.appendingPathComponent("frame-000012.png")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(".frame-000012.png.tmp-\(getpid())").path,
                                                   withDestinationPath: "/dev/full")
        do {
            try PNGEncoder().write(portraitLikeFrame(width: 64, height: 64), to: url)
            Issue.record("a write to /dev/full succeeded")
        } catch {
            #expect(error == .pngWriteFailed(path: url.path, reason: "No space left on device"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [], "the temporary file must go, and nothing be renamed")
    }

    @Test(.enabled(if: python != nil, "needs LIKENESS_PYTHON with Pillow (make test sets it)"))
    func pillowReadsTheSamePixels() throws {
        let folder = temporaryFolder()
        for filter in PNGFilter.allCases {
            let frame = portraitLikeFrame(width: 61, height: 47, seed: UInt64(filter.rawValue))
            let url = folder.appendingPathComponent("\(filter).png")
            try PNGEncoder(options: PNGOptions(filter: filter, level: 1, strategy: .runLength)).write(frame, to: url)
            let (status, data) = try runCapturing(python ?? "", ["-c", "import sys; from PIL import Image; "
                + "sys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGB').tobytes())", url.path])
            #expect(status == 0)
            #expect([UInt8](data) == frame.pixels, "Pillow decodes \(filter) differently")
        }
    }
}

/// Runs a command and returns its status and stdout bytes.
private func runCapturing(_ executable: String, _ arguments: [String]) throws -> (Int32, Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}
