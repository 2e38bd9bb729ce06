// MARK: - TOMLDocument

/// A parsed TOML 1.0 document: its root table, with the source position of every key and value.
///
/// ```swift
/// let document = try TOMLDocument(parsing: "[motion]\nstyle = \"drift\"\n")
/// let motion = document.root["motion"]?.tableValue
/// motion?["style"]?.stringValue          // "drift"
/// motion?.position(of: "style")          // 2:1
/// ```
///
/// Parsing never traps, whatever the input: every problem is a thrown ``TOMLError`` with a line and a
/// column. Arrays and inline tables may nest at most ``maximumDepth`` levels, and so may tables (headers and
/// dotted keys); deeper input is an error rather than a deep recursion. Integers are 64-bit (an integer out
/// of range is an error), floats are `Double`, date-times keep nanoseconds (digits beyond are cut off).
public struct TOMLDocument: Sendable, Equatable {
    /// The top-level table.
    public let root: TOMLTable

    /// Deepest nesting of arrays, inline tables and tables that the parser accepts.
    public static let maximumDepth = 128

    /// Parses TOML text.
    public init(parsing text: String) throws(TOMLError) {
        var parser = Parser(bytes: Array(text.utf8))
        root = try parser.parseDocument()
    }

    /// Parses TOML from raw bytes, which must be UTF-8 (an invalid sequence is an error at its position).
    ///
    /// A UTF-8 byte order mark at the start is skipped.
    public init(utf8 bytes: [UInt8]) throws(TOMLError) {
        var parser = Parser(bytes: bytes)
        root = try parser.parseDocument()
    }

    /// The value of a top-level key.
    public subscript(key: String) -> TOMLValue? { root[key] }
}
