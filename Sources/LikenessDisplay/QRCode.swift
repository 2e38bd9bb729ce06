import CQRencode

// MARK: - QRCode

/// A QR code (libqrencode, error correction level M, 8-bit mode) as a square of dark and light modules.
public struct QRCode: Sendable, Equatable {
    /// Modules per side (without the quiet zone).
    public let size: Int
    /// Row-major, `true` = dark.
    public let modules: [Bool]

    /// Encodes `text`; nil if libqrencode refuses it (empty, or too long for a QR code).
    public init?(_ text: String) {
        guard !text.isEmpty, let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else { return nil }
        size = width
        // Bit 0 of each byte is the module's colour (1 = dark); the other bits are libqrencode's bookkeeping.
        modules = (0..<(width * width)).map { data[$0] & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }
}
