// MARK: - TOMLPosition

/// Where something is in a TOML source: a 1-based line and a 1-based column.
///
/// Columns count Unicode scalars from the start of the line (a tab is one column), so they match what
/// an editor shows for ordinary text. Lines end at LF; a CRLF pair is one line end.
public struct TOMLPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The line, from 1.
    public let line: Int
    /// The column, from 1, in Unicode scalars.
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }

    public static func < (a: TOMLPosition, b: TOMLPosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}
