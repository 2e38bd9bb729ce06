import Foundation

// MARK: - FrameSink

/// Somewhere frames go: PNG files, a pipe, a video file, a window.
///
/// Frames arrive in order. `finish()` is called once at the end (also after an interruption) and must leave
/// whatever was written complete and usable.
public protocol FrameSink: AnyObject {
    /// Writes the next frame.
    func write(_ frame: Frame) throws(MediaError)
    /// Completes the output; later writes are programmer errors.
    func finish() throws(MediaError)
}

// MARK: - PNGSequenceSink

/// Writes numbered PNG files `frame-000000.png`, `frame-000001.png`, … into a folder.
///
/// Numbering starts at `startIndex`, so a resumed run (`--start-frame`) continues the same sequence. Each file
/// is written whole under a hidden temporary name and renamed, so the files present are always complete; one
/// `PNGEncoder` serves the whole run (no allocation per frame).
public final class PNGSequenceSink: FrameSink {
    /// The folder the files go to.
    public let directory: URL
    /// The index of the next file.
    public private(set) var nextIndex: Int
    private let encoder: PNGEncoder

    /// Creates the folder if needed.
    public init(directory: URL, startIndex: Int = 0, options: PNGOptions = .default) throws(MediaError) {
        self.directory = directory
        self.nextIndex = startIndex
        encoder = try PNGEncoder(options: options)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: directory.path, reason: PNGCodec.reason(of: error))
        }
    }

    /// The file name of frame `index`: `frame-000042.png`.
    public static func fileName(index: Int) -> String {
        let digits = String(index)
        return "frame-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    public func write(_ frame: Frame) throws(MediaError) {
        try encoder.write(frame, to: directory.appendingPathComponent(Self.fileName(index: nextIndex)))
        nextIndex += 1
    }

    public func finish() throws(MediaError) {}
}

// MARK: - RawStreamSink

/// Writes raw RGB8 frames back to back to a file descriptor (stdout by default), for piping into other tools.
///
/// Each frame is `width * height * 3` bytes, no header. A closed pipe raises `MediaError.brokenPipe`
/// (SIGPIPE must be ignored by the process, which `ignoreBrokenPipeSignal()` does).
public final class RawStreamSink: FrameSink {
    private let descriptor: Int32
    private let name: String

    public init(fileDescriptor: Int32 = 1, name: String = "stdout") {
        self.descriptor = fileDescriptor
        self.name = name
        ignoreBrokenPipeSignal()
    }

    public func write(_ frame: Frame) throws(MediaError) {
        try writeAll(frame.pixels, to: descriptor, what: name)
    }

    public func finish() throws(MediaError) {}
}

// MARK: - Helpers

/// Makes writes to a closed pipe fail with EPIPE instead of killing the process.
public func ignoreBrokenPipeSignal() {
    signal(SIGPIPE, SIG_IGN)
}

/// Writes all of `bytes` to a descriptor.
func writeAll(_ bytes: [UInt8], to descriptor: Int32, what: String) throws(MediaError) {
    let failure = bytes.withUnsafeBytes { raw -> MediaError? in
        do throws(MediaError) {
            try writeAll(raw, to: descriptor, what: what)
            return nil
        } catch {
            return error
        }
    }
    if let failure { throw failure }
}

/// Writes every byte, retrying on EINTR and short writes.
func writeAll(_ raw: UnsafeRawBufferPointer, to descriptor: Int32, what: String) throws(MediaError) {
    guard var pointer = raw.baseAddress else { return }
    var remaining = raw.count
    while remaining > 0 {
        let n = Foundation.write(descriptor, pointer, remaining)
        if n < 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EPIPE { throw .brokenPipe(what: what) }
            throw .writeFailed(what: what, errno: code, reason: String(cString: strerror(code)))
        }
        remaining -= n
        pointer += n
    }
}
