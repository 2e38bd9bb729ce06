import CZlib
import Foundation

// MARK: - PNGOptions

/// How `PNGEncoder` compresses: one row filter for every row, then zlib's deflate.
///
/// Measured on 1080x1080 portraits (Docs/exhibition.md, `[output] png_compression`): Paeth with zlib's run-length
/// strategy gives files within 2% of libpng's defaults (adaptive filters, level 6, done twice) in about a
/// fifteenth of the time; zlib levels 1–3 with any filter are slower *and* larger than that; level 6 with Up is
/// 6–9% smaller at six times the time; level 9 takes seconds a frame.
public struct PNGOptions: Sendable, Equatable, CustomStringConvertible {
    /// zlib's match finder.
    public enum Strategy: Sendable, Equatable {
        /// Lazy LZ77 matching at `level` (`Z_DEFAULT_STRATEGY`).
        case standard
        /// Matches at distance one only (`Z_RLE`): runs of equal residuals, then Huffman codes; `level` is ignored.
        case runLength
    }

    /// The filter of every row.
    public var filter: PNGFilter
    /// zlib level: 0 stores without compressing, 1 is fastest, 9 smallest.
    public var level: Int
    public var strategy: Strategy

    /// The levels zlib accepts.
    public static let levels = 0...9

    /// - Precondition: `level` in 0...9 (exhibition files are validated when they are loaded).
    public init(filter: PNGFilter, level: Int, strategy: Strategy = .standard) {
        precondition(Self.levels.contains(level), "PNG compression level must be 0 to 9, got \(level)")
        self.filter = filter
        self.level = level
        self.strategy = strategy
    }

    /// Paeth and run-length deflate: about 50 ms a 1080x1080 frame, the size libpng's defaults give.
    public static let fast = PNGOptions(filter: .paeth, level: 1, strategy: .runLength)
    /// Up and deflate level 6: 6–9% smaller than `fast`, six times slower.
    public static let small = PNGOptions(filter: .up, level: 6)
    public static let `default` = fast

    /// `paeth, level 1, run-length`.
    public var description: String {
        "\(filter), level \(level)" + (strategy == .runLength ? ", run-length" : "")
    }
}

// MARK: - PNGCompression

/// The `[output] png_compression` choice of an exhibition.
public enum PNGCompression: String, Sendable, CaseIterable {
    case fast, small

    public var options: PNGOptions {
        switch self {
        case .fast: .fast
        case .small: .small
        }
    }
}

// MARK: - PNGEncoder

/// Writes 8-bit RGB PNGs (PNG 1.2: IHDR, one IDAT, IEND) with a row filter and zlib, reusing its buffers.
///
/// Output is deterministic: no timestamps or text chunks, so the same frame and options always give the same
/// bytes. One encoder keeps its deflate state, its filter strip and its output buffer from frame to frame, so
/// encoding a stream of frames of one size allocates nothing once the first is done (as long as callers let
/// go of the array `encode` returned before the next call). Not thread-safe: one encoder per thread.
public final class PNGEncoder {
    /// The compression settings.
    public let options: PNGOptions

    /// Deflate state; zlib keeps a pointer back to it, so it lives at one address for the encoder's life.
    private let unsafeStream: UnsafeMutablePointer<z_stream>
    /// A few filtered rows, each behind its filter-type byte: what deflate reads.
    private var strip: [UInt8] = []
    /// The row above the first one.
    private var zeros: [UInt8] = []
    /// The PNG being written, `count` of it valid after `encodeIntoOutput`.
    private var output: [UInt8] = []

    /// Bytes before the compressed data: signature, IHDR chunk, IDAT length and type.
    static let headerCount = 8 + 25 + 8
    /// Bytes after it: IDAT CRC and the IEND chunk.
    static let trailerCount = 4 + 12
    /// Rows filtered per deflate call: about 128 KiB of input.
    static let stripBytes = 1 << 17

    public init(options: PNGOptions = .default) throws(MediaError) {
        self.options = options
        unsafeStream = .allocate(capacity: 1)
        unsafeStream.initialize(to: z_stream())
        let strategy = options.strategy == .runLength ? Z_RLE : Z_DEFAULT_STRATEGY
        let status = deflateInit2_(unsafeStream, Int32(options.level), Z_DEFLATED, 15, 8, strategy,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            unsafeStream.deallocate()
            throw .pngWriteFailed(path: "<memory>", reason: "zlib could not start deflate (status \(status))")
        }
    }

    deinit {
        deflateEnd(unsafeStream)
        unsafeStream.deallocate()
    }

    /// Encodes a frame as PNG bytes.
    ///
    /// The returned array shares the encoder's buffer: drop it before the next call and that call reuses the
    /// storage; keep it and the next call copies (the value never changes under you).
    public func encode(_ frame: Frame) throws(MediaError) -> [UInt8] {
        try encodeIntoOutput(frame, path: "<memory>")
        return output
    }

    /// Encodes a frame and writes it to `url` atomically: a hidden temporary file in the same folder, closed,
    /// then renamed over `url`. Any failure removes the temporary file and names `url`.
    public func write(_ frame: Frame, to url: URL) throws(MediaError) {
        try encodeIntoOutput(frame, path: url.path)
        let failure = output.withUnsafeBytes { bytes -> MediaError? in
            do throws(MediaError) {
                try Self.writeAtomically(bytes, to: url)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Fills `output` with the PNG of `frame` (its count is the PNG's length).
    private func encodeIntoOutput(_ frame: Frame, path: String) throws(MediaError) {
        let rowBytes = frame.rowStride, height = frame.height
        let filteredRow = rowBytes + 1
        let rowsPerStrip = max(1, min(height, Self.stripBytes / filteredRow))
        if strip.count != rowsPerStrip * filteredRow { strip = [UInt8](repeating: 0, count: rowsPerStrip * filteredRow) }
        if zeros.count != rowBytes { zeros = [UInt8](repeating: 0, count: rowBytes) }

        guard deflateReset(unsafeStream) == Z_OK else {
            throw .pngWriteFailed(path: path, reason: "zlib could not reset deflate")
        }
        let rawCount = filteredRow * height
        let bound = Self.headerCount + Int(deflateBound(unsafeStream, uLong(rawCount))) + Self.trailerCount
        // Keeps the capacity when nobody else holds the last result (no allocation in steady state).
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: repeatElement(0, count: bound))

        let filter = options.filter
        let stream = unsafeStream
        let failure: String? = frame.pixels.withUnsafeBufferPointer { pixels in
            zeros.withUnsafeBufferPointer { zeros in
                strip.withUnsafeMutableBufferPointer { strip in
                    output.withUnsafeMutableBufferPointer { out -> String? in
                        guard let base = out.baseAddress, let stripBase = strip.baseAddress, let pixelBase = pixels.baseAddress else {
                            return "empty buffer"
                        }
                        Self.writeHeader(into: base, width: frame.width, height: height)
                        stream.pointee.next_out = base + Self.headerCount
                        stream.pointee.avail_out = uInt(bound - Self.headerCount - Self.trailerCount)
                        var y = 0
                        while y < height {
                            let rows = min(rowsPerStrip, height - y)
                            for r in 0..<rows {
                                let row = UnsafeBufferPointer(start: pixelBase + (y + r) * rowBytes, count: rowBytes)
                                let prior = y + r == 0 ? zeros : UnsafeBufferPointer(start: pixelBase + (y + r - 1) * rowBytes, count: rowBytes)
                                let target = stripBase + r * filteredRow
                                target.pointee = filter.rawValue
                                filter.apply(row: row, prior: prior, bytesPerPixel: 3,
                                             into: UnsafeMutableBufferPointer(start: target + 1, count: rowBytes))
                            }
                            y += rows
                            let last = y == height
                            stream.pointee.next_in = stripBase
                            stream.pointee.avail_in = uInt(rows * filteredRow)
                            let status = deflate(stream, last ? Z_FINISH : Z_NO_FLUSH)
                            if last ? status != Z_STREAM_END : (status != Z_OK || stream.pointee.avail_in != 0) {
                                return "zlib deflate failed (status \(status))"
                            }
                        }
                        let compressed = Int(stream.pointee.total_out)
                        Self.writeTrailer(into: base, compressedCount: compressed)
                        return nil
                    }
                }
            }
        }
        if let failure { throw .pngWriteFailed(path: path, reason: failure) }
        output.removeLast(output.count - (Self.headerCount + Int(unsafeStream.pointee.total_out) + Self.trailerCount))
    }

    /// Signature, IHDR (8-bit RGB, no interlace) and the IDAT chunk's type; its length follows in `writeTrailer`.
    private static func writeHeader(into p: UnsafeMutablePointer<UInt8>, width: Int, height: Int) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for (i, byte) in signature.enumerated() { p[i] = byte }
        storeBigEndian(13, at: p + 8)
        storeASCII("IHDR", at: p + 12)
        storeBigEndian(UInt32(width), at: p + 16)
        storeBigEndian(UInt32(height), at: p + 20)
        p[24] = 8       // bit depth
        p[25] = 2       // colour type: RGB
        p[26] = 0       // compression: deflate
        p[27] = 0       // filter method: adaptive (per-row filter bytes)
        p[28] = 0       // no interlace
        storeBigEndian(crc(p + 12, count: 17), at: p + 29)
        storeASCII("IDAT", at: p + 37)
    }

    /// The IDAT length and CRC around `compressedCount` bytes of zlib data, then IEND.
    private static func writeTrailer(into p: UnsafeMutablePointer<UInt8>, compressedCount: Int) {
        storeBigEndian(UInt32(compressedCount), at: p + 33)
        let end = p + headerCount + compressedCount
        storeBigEndian(crc(p + 37, count: 4 + compressedCount), at: end)
        storeBigEndian(0, at: end + 4)
        storeASCII("IEND", at: end + 8)
        storeBigEndian(crc(end + 8, count: 4), at: end + 12)
    }

    private static func crc(_ p: UnsafePointer<UInt8>, count: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32(0, p, uInt(count)))
    }

    private static func storeBigEndian(_ value: UInt32, at p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: value >> 24)
        p[1] = UInt8(truncatingIfNeeded: value >> 16)
        p[2] = UInt8(truncatingIfNeeded: value >> 8)
        p[3] = UInt8(truncatingIfNeeded: value)
    }

    private static func storeASCII(_ text: StaticString, at p: UnsafeMutablePointer<UInt8>) {
        text.withUTF8Buffer { bytes in
            for (i, byte) in bytes.enumerated() { p[i] = byte }
        }
    }

    // MARK: Atomic file writes

    /// Writes `bytes` to a hidden temporary file beside `url` (`.name.tmp-PID`), closes it and renames it to `url`.
    static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to url: URL) throws(MediaError) {
        let path = url.path
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .pngWriteFailed(path: path, reason: String(cString: strerror(errno))) }
        var failure: Int32?
        if var pointer = bytes.baseAddress {
            var remaining = bytes.count
            while remaining > 0 {
                let n = Foundation.write(descriptor, pointer, remaining)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                remaining -= n
                pointer += n
            }
        }
        // close() reports delayed write errors (NFS, quotas): a file is renamed into place only when it is whole.
        if close(descriptor) != 0, failure == nil { failure = errno }
        if failure == nil, rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw .pngWriteFailed(path: path, reason: String(cString: strerror(failure)))
        }
    }
}
