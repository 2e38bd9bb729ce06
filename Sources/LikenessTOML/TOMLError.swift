// MARK: - TOMLError

/// Why a text is not valid TOML, and where.
///
/// Every error has the line and column of the first offending character and a message that says what
/// was expected, e.g. `3:1: expected a table name after '[', found the end of the line (write [name])`.
/// The parser reports the first error only.
public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the problem is.
    public let position: TOMLPosition
    /// What is wrong, and what would be right.
    public let message: String

    public init(_ message: String, at position: TOMLPosition) {
        self.message = message
        self.position = position
    }

    /// The line of the problem, from 1.
    public var line: Int { position.line }
    /// The column of the problem, from 1, in Unicode scalars.
    public var column: Int { position.column }

    /// `line:column: message`.
    public var description: String { "\(position): \(message)" }
}
