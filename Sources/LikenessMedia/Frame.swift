// MARK: - Frame

/// One picture: 8-bit RGB, interleaved, row-major, no padding between rows.
///
/// Layout: `pixels[(y * width + x) * 3 + c]` for channel `c` in R, G, B; `pixels.count == width * height * 3`.
/// A value type: copies share storage until one of them is written (copy-on-write).
public struct Frame: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// The samples, `width * height * 3` bytes, RGB interleaved.
    public var pixels: [UInt8]

    /// Bytes per row (`width * 3`).
    public var rowStride: Int { width * 3 }

    /// Wraps existing RGB8 samples.
    ///
    /// - Precondition: `pixels.count == width * height * 3`, `width > 0`, `height > 0`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "frame size must be positive, got \(width)x\(height)")
        precondition(pixels.count == width * height * 3, "frame of \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A frame filled with one colour.
    public init(width: Int, height: Int, color: RGBColor = .black) {
        precondition(width > 0 && height > 0, "frame size must be positive, got \(width)x\(height)")
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if color != .black {
            for i in stride(from: 0, to: pixels.count, by: 3) {
                pixels[i] = color.red
                pixels[i + 1] = color.green
                pixels[i + 2] = color.blue
            }
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The colour of one pixel.
    public subscript(x: Int, y: Int) -> RGBColor {
        let i = (y * width + x) * 3
        return RGBColor(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
    }

    /// Mean absolute difference per sample between two frames of the same size, in 0...255.
    public func meanAbsoluteDifference(to other: Frame) -> Double {
        precondition(width == other.width && height == other.height, "frames differ in size")
        var total = 0
        for i in 0..<pixels.count {
            total += abs(Int(pixels[i]) - Int(other.pixels[i]))
        }
        return Double(total) / Double(pixels.count)
    }
}

// MARK: - Colour

/// An 8-bit sRGB colour.
public struct RGBColor: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb` or `rrggbb` (case-insensitive); `nil` for anything else.
    public init?(hex: String) {
        var text = Substring(hex)
        if text.hasPrefix("#") { text = text.dropFirst() }
        guard text.count == 6, let value = UInt32(text, radix: 16) else { return nil }
        self.init(red: UInt8((value >> 16) & 0xFF), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    public static let black = RGBColor(red: 0, green: 0, blue: 0)
    public static let white = RGBColor(red: 255, green: 255, blue: 255)

    /// `#rrggbb`.
    public var description: String {
        func hex(_ v: UInt8) -> String {
            let s = String(v, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + hex(red) + hex(green) + hex(blue)
    }
}
