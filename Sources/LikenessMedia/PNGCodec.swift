import CPNG
import Foundation

// MARK: - PNGCodec

/// Reads and writes 8-bit RGB PNG files: writing through `PNGEncoder` (a row filter and zlib), reading
/// through libpng's simplified API (`png_image_*`).
///
/// Output is deterministic: no timestamps or text chunks, so the same frame always gives the same bytes.
/// Files are written to a temporary name in the same folder and renamed into place, so an interrupted
/// run never leaves a truncated PNG under the final name. For a stream of frames keep one `PNGEncoder`:
/// these one-off calls make a new one each time.
public enum PNGCodec {
    /// `PNG_FORMAT_RGB` from png.h (`PNG_FORMAT_FLAG_COLOR`).
    static let formatRGB: UInt32 = 0x02
    /// `PNG_IMAGE_VERSION` from png.h.
    static let imageVersion: UInt32 = 1

    /// Encodes a frame as PNG bytes.
    public static func encode(_ frame: Frame, options: PNGOptions = .default) throws(MediaError) -> [UInt8] {
        try PNGEncoder(options: options).encode(frame)
    }

    /// Writes a frame to `url` atomically (temporary file, then rename).
    public static func write(_ frame: Frame, to url: URL, options: PNGOptions = .default) throws(MediaError) {
        try PNGEncoder(options: options).write(frame, to: url)
    }

    /// libpng's own encoder (simplified API: its adaptive filter choice, zlib level 6), the writer before
    /// `PNGEncoder` and the reference its tests compare pixels with. It compresses twice (once to measure).
    static func encodeWithLibpng(_ frame: Frame) throws(MediaError) -> [UInt8] {
        var image = png_image()
        image.version = imageVersion
        image.width = UInt32(frame.width)
        image.height = UInt32(frame.height)
        image.format = formatRGB
        var size: png_alloc_size_t = 0
        // First call measures, second call writes.
        let measured = frame.pixels.withUnsafeBytes { raw in
            png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, Int32(frame.rowStride), nil)
        }
        guard measured != 0, size > 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw .pngWriteFailed(path: "<memory>", reason: reason)
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let written = bytes.withUnsafeMutableBytes { out in
            frame.pixels.withUnsafeBytes { raw in
                png_image_write_to_memory(&image, out.baseAddress, &size, 0, raw.baseAddress, Int32(frame.rowStride), nil)
            }
        }
        guard written != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw .pngWriteFailed(path: "<memory>", reason: reason)
        }
        bytes.removeSubrange(Int(size)...)
        return bytes
    }

    /// Decodes PNG bytes (any bit depth or colour type) to 8-bit RGB.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws(MediaError) -> Frame {
        var image = png_image()
        image.version = imageVersion
        let began = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard began != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw .pngReadFailed(path: path, reason: reason)
        }
        image.format = formatRGB
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0 else {
            png_image_free(&image)
            throw .pngReadFailed(path: path, reason: "empty image")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = bytes.withUnsafeBytes { _ in
            pixels.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, Int32(width * 3), nil)
            }
        }
        guard finished != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw .pngReadFailed(path: path, reason: reason)
        }
        return Frame(width: width, height: height, pixels: pixels)
    }

    /// Reads a PNG file as 8-bit RGB.
    public static func read(from url: URL) throws(MediaError) -> Frame {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .pngReadFailed(path: url.path, reason: Self.reason(of: error))
        }
        return try decode([UInt8](data), path: url.path)
    }

    /// libpng's message for a failed `png_image`.
    private static func message(of image: png_image) -> String {
        var copy = image
        let text = withUnsafeBytes(of: &copy.message) { raw -> String in
            let chars = raw.bindMemory(to: CChar.self)
            let length = chars.firstIndex(of: 0) ?? chars.count
            return String(decoding: raw.prefix(length), as: UTF8.self)
        }
        return text.isEmpty ? "libpng reported an error" : text
    }

    /// A short reason from a Foundation error.
    static func reason(of error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(nsError.code)))
        }
        return nsError.localizedDescription
    }
}
