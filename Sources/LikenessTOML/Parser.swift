// MARK: - Parser

/// A recursive-descent TOML 1.0 parser over UTF-8 bytes.
///
/// The whole input is checked for valid UTF-8 first, so every slice the parser turns into a `String` is
/// valid. Every index is compared with `bytes.count` before it is read, arithmetic on input numbers reports
/// overflow instead of trapping, and nesting is bounded by ``TOMLDocument/maximumDepth``: no input can make
/// the parser trap or recurse without bound. Strings, numbers and date-times are in `Parser+Values.swift`,
/// the table rules (redefinition, dotted keys, arrays of tables) in `TableBuilder.swift`.
struct Parser {
    let bytes: [UInt8]
    /// The next byte to read.
    var index = 0
    /// How deep the value being parsed sits (root table = 0); arrays and tables deeper than the maximum are refused.
    var depth = 0
    /// Offsets where each line starts.
    private let lineStarts: [Int]
    /// The last position computed, so that positions along one line are found without recounting it.
    private var lastPosition = (offset: 0, line: 1, column: 1)

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == ASCII.lineFeed { starts.append(offset + 1) }
        lineStarts = starts
    }

    // MARK: Document

    /// Parses the whole input as a TOML document.
    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        try validateUTF8()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        let root = TableBuilder(origin: .root, position: TOMLPosition(line: 1, column: 1), depth: 0, name: "")
        var current = root
        while true {
            skipWhitespace()
            guard let byte = peek() else { break }
            switch byte {
            case ASCII.hash, ASCII.lineFeed, ASCII.carriageReturn:
                try endOfLine(after: "a comment")
            case ASCII.leftBracket:
                current = try parseHeader(root: root)
            default:
                try parseKeyValue(into: current)
                try endOfLine(after: "a key/value pair (one per line)")
            }
        }
        return root.build()
    }

    /// Parses one value that must fill the whole input (surrounding spaces allowed).
    mutating func parseStandaloneValue() throws(TOMLError) -> TOMLValue {
        try validateUTF8()
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard peek() == nil else { throw error("unexpected \(found()) after the value") }
        return value
    }

    /// `[table]` or `[[array of tables]]`; returns the table that the following keys go into.
    private mutating func parseHeader(root: TableBuilder) throws(TOMLError) -> TableBuilder {
        let headerPosition = position(at: index)
        let isArray = peek(1) == ASCII.leftBracket
        index += isArray ? 2 : 1
        let what = isArray ? "a name after '[['" : "a table name after '['"
        let key = try parseKey(what: what, hint: isArray ? "write [[name]]" : "write [name]")
        guard peek() == ASCII.rightBracket else {
            throw error("expected '\(isArray ? "]]" : "]")' to close the table header, found \(found())")
        }
        index += 1
        if isArray {
            guard peek() == ASCII.rightBracket else {
                throw error("expected ']]' to close the array-of-tables header, found \(found()) (write [[name]])")
            }
            index += 1
        }
        try endOfLine(after: "the table header")
        return try root.openTable(key, isArray: isArray, at: headerPosition)
    }

    /// `key = value` into `table` (the current table, or an inline table being built).
    private mutating func parseKeyValue(into table: TableBuilder) throws(TOMLError) {
        let key = try parseKey(what: "a key", hint: "write key = value")
        guard peek() == ASCII.equals else {
            throw error("expected '=' after the key '\(displayName(key))', found \(found())")
        }
        index += 1
        skipWhitespace()
        let valuePosition = position(at: index)
        let saved = depth
        depth = table.depth + key.count
        defer { depth = saved }
        let value = try parseValue()
        try table.setValue(value, for: key, at: valuePosition)
    }

    // MARK: Keys

    /// A key part and where it is written.
    struct KeyPart {
        var name: String
        var position: TOMLPosition
    }

    /// A simple or dotted key, with the spaces around it and its dots.
    private mutating func parseKey(what: String, hint: String) throws(TOMLError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            skipWhitespace()
            parts.append(try parseSimpleKey(what: parts.isEmpty ? what : "a key after '.'", hint: hint))
            guard parts.count <= TOMLDocument.maximumDepth else {
                throw error("a dotted key with more than \(TOMLDocument.maximumDepth) parts", at: parts[0].position)
            }
            skipWhitespace()
            guard peek() == ASCII.dot else { return parts }
            index += 1
        }
    }

    /// A bare key (`A-Za-z0-9_-`), a "basic" or a 'literal' quoted key.
    private mutating func parseSimpleKey(what: String, hint: String) throws(TOMLError) -> KeyPart {
        let start = position(at: index)
        switch peek() {
        case ASCII.quote?:
            if peek(1) == ASCII.quote, peek(2) == ASCII.quote {
                throw error("a key cannot be a multi-line string; use \"key\"")
            }
            return KeyPart(name: try parseBasicString(), position: start)
        case ASCII.apostrophe?:
            if peek(1) == ASCII.apostrophe, peek(2) == ASCII.apostrophe {
                throw error("a key cannot be a multi-line string; use 'key'")
            }
            return KeyPart(name: try parseLiteralString(), position: start)
        case let byte? where ASCII.isBareKey(byte):
            let from = index
            while let byte = peek(), ASCII.isBareKey(byte) { index += 1 }
            return KeyPart(name: String(decoding: bytes[from..<index], as: UTF8.self), position: start)
        default:
            throw error("expected \(what), found \(found()) (\(hint); bare keys use A-Z a-z 0-9 _ -, other keys need quotes)")
        }
    }

    private func displayName(_ key: [KeyPart]) -> String {
        key.map { TableBuilder.quoted($0.name) }.joined(separator: ".")
    }

    // MARK: Values

    /// Any value, starting at the current byte.
    mutating func parseValue() throws(TOMLError) -> TOMLValue {
        guard let byte = peek() else { throw error("expected a value, found the end of the file") }
        switch byte {
        case ASCII.quote:
            if peek(1) == ASCII.quote, peek(2) == ASCII.quote { return .string(try parseMultilineBasicString()) }
            return .string(try parseBasicString())
        case ASCII.apostrophe:
            if peek(1) == ASCII.apostrophe, peek(2) == ASCII.apostrophe { return .string(try parseMultilineLiteralString()) }
            return .string(try parseLiteralString())
        case ASCII.leftBracket:
            return .array(try parseArray())
        case ASCII.leftBrace:
            return .table(try parseInlineTable())
        case ASCII.lowerT where matches("true"):
            return try parseWord("true", .boolean(true))
        case ASCII.lowerF where matches("false"):
            return try parseWord("false", .boolean(false))
        case ASCII.plus, ASCII.minus, ASCII.zero...ASCII.nine:
            return try parseNumberOrDate()
        case ASCII.lowerI where matches("inf"), ASCII.lowerN where matches("nan"):
            return try parseNumberOrDate()
        default:
            throw error("expected a value (a \"string\", a number, true or false, a date, [array] or {inline table}), found \(found())"
                + (ASCII.isBareKey(byte) ? "; strings need quotes" : ""))
        }
    }

    private mutating func parseWord(_ word: String, _ value: TOMLValue) throws(TOMLError) -> TOMLValue {
        let start = index
        index += word.utf8.count
        if let next = peek(), ASCII.isBareKey(next) || next == ASCII.dot {
            index = start
            throw error("expected a value, found \(found()); strings need quotes, and true and false are lower case")
        }
        return value
    }

    /// `[ value, value, … ]`, over any number of lines, with comments and an optional trailing comma.
    private mutating func parseArray() throws(TOMLError) -> TOMLArray {
        let open = position(at: index)
        try checkNesting(at: open)
        var array = TOMLArray(position: open)
        index += 1
        let saved = depth
        depth += 1
        defer { depth = saved }
        while true {
            try skipWhitespaceCommentsAndNewlines()
            guard let byte = peek() else { throw error("the array is not closed: expected ']' before the end of the file", at: open) }
            if byte == ASCII.rightBracket {
                index += 1
                return array
            }
            let at = position(at: index)
            array.append(try parseValue(), at: at)
            try skipWhitespaceCommentsAndNewlines()
            switch peek() {
            case ASCII.comma?:
                index += 1
            case ASCII.rightBracket?:
                index += 1
                return array
            default:
                throw error("expected ',' or ']' in the array opened at \(open), found \(found())")
            }
        }
    }

    /// `{ key = value, … }` on one line, no trailing comma (TOML 1.0).
    private mutating func parseInlineTable() throws(TOMLError) -> TOMLTable {
        let open = position(at: index)
        try checkNesting(at: open)
        let table = TableBuilder(origin: .inline, position: open, depth: depth, name: "")
        index += 1
        skipWhitespace()
        if peek() == ASCII.rightBrace {
            index += 1
            return table.build()
        }
        while true {
            try parseKeyValue(into: table)
            skipWhitespace()
            switch peek() {
            case ASCII.comma?:
                index += 1
                skipWhitespace()
                if peek() == ASCII.rightBrace {
                    throw error("a trailing comma is not allowed in an inline table (TOML 1.0); remove it")
                }
            case ASCII.rightBrace?:
                index += 1
                return table.build()
            default:
                throw error("expected ',' or '}' in the inline table opened at \(open), found \(found()) (an inline table stays on one line)")
            }
        }
    }

    private mutating func checkNesting(at position: TOMLPosition) throws(TOMLError) {
        guard depth <= TOMLDocument.maximumDepth else {
            throw TOMLError("arrays and tables nested more than \(TOMLDocument.maximumDepth) levels deep", at: position)
        }
    }

    // MARK: Whitespace, comments, line ends

    mutating func skipWhitespace() {
        while let byte = peek(), byte == ASCII.space || byte == ASCII.tab { index += 1 }
    }

    /// After a header or a key/value pair: spaces, an optional comment, then a line end or the end of the file.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipWhitespace()
        if peek() == ASCII.hash { try skipComment() }
        switch peek() {
        case nil:
            return
        case ASCII.lineFeed?:
            index += 1
        case ASCII.carriageReturn? where peek(1) == ASCII.lineFeed:
            index += 2
        default:
            throw error("expected a new line after \(what), found \(found())")
        }
    }

    /// Inside arrays: spaces, tabs, line ends and comments.
    private mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLError) {
        while let byte = peek() {
            switch byte {
            case ASCII.space, ASCII.tab, ASCII.lineFeed:
                index += 1
            case ASCII.carriageReturn where peek(1) == ASCII.lineFeed:
                index += 2
            case ASCII.hash:
                try skipComment()
            default:
                return
            }
        }
    }

    /// From `#` to the end of the line (not including it). Control characters other than tab are errors.
    private mutating func skipComment() throws(TOMLError) {
        index += 1
        while let byte = peek() {
            if byte == ASCII.lineFeed || (byte == ASCII.carriageReturn && peek(1) == ASCII.lineFeed) { return }
            if ASCII.isControl(byte) { throw error("\(found()) is not allowed in a comment; delete it") }
            index += 1
        }
    }

    // MARK: Bytes

    func peek(_ ahead: Int = 0) -> UInt8? {
        let at = index + ahead
        return at < bytes.count ? bytes[at] : nil
    }

    /// Whether the input continues with `word` at the current byte.
    func matches(_ word: String) -> Bool {
        var at = index
        for byte in word.utf8 {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
        }
        return true
    }

    /// The line and column of byte `offset` (which may be the end of the input).
    mutating func position(at offset: Int) -> TOMLPosition {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = low + (high - low + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let line = low + 1
        var at = lineStarts[low], column = 1
        if lastPosition.line == line, lastPosition.offset <= offset {
            at = lastPosition.offset
            column = lastPosition.column
        }
        while at < offset, at < bytes.count {
            if bytes[at] & 0xC0 != 0x80 { column += 1 }
            at += 1
        }
        lastPosition = (offset, line, column)
        return TOMLPosition(line: line, column: column)
    }

    /// An error at `offset` (the current byte when nil).
    mutating func error(_ message: String, at offset: Int? = nil) -> TOMLError {
        TOMLError(message, at: position(at: offset ?? index))
    }

    func error(_ message: String, at position: TOMLPosition) -> TOMLError {
        TOMLError(message, at: position)
    }

    /// What the current byte is, for "found …" in messages.
    func found() -> String {
        guard let byte = peek() else { return "the end of the file" }
        switch byte {
        case ASCII.lineFeed:
            return "the end of the line"
        case ASCII.carriageReturn:
            return peek(1) == ASCII.lineFeed ? "the end of the line" : "a carriage return (U+000D) without a line feed"
        case ASCII.tab:
            return "a tab"
        case ASCII.space:
            return "a space"
        case _ where ASCII.isControl(byte):
            return "the control character \(ASCII.codePoint(UInt32(byte)))"
        case _ where ASCII.isBareKey(byte):
            var end = index
            while end < bytes.count, end - index < 24, ASCII.isBareKey(bytes[end]) || bytes[end] == ASCII.dot { end += 1 }
            return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
        case 0x21...0x7E:
            return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            var iterator = bytes[index...].makeIterator()
            var decoder = UTF8()
            if case let .scalarValue(scalar) = decoder.decode(&iterator) {
                return "'\(Character(scalar))' (\(ASCII.codePoint(scalar.value)))"
            }
            return "the byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }

    // MARK: UTF-8

    /// Throws at the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    private mutating func validateUTF8() throws(TOMLError) {
        var at = 0
        let count = bytes.count
        while at < count {
            let lead = bytes[at]
            if lead < 0x80 {
                at += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: length = 0
            }
            var valid = length > 0 && count - at >= length
            if valid {
                valid = secondRange.contains(bytes[at + 1])
                for k in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[at + k]) { valid = false }
            }
            guard valid else {
                throw error("the file is not valid UTF-8 (byte 0x\(String(lead, radix: 16, uppercase: true)) here); save it as UTF-8 text", at: at)
            }
            at += length
        }
    }
}

// MARK: - ASCII

/// Byte constants and classes for the parser.
enum ASCII {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let apostrophe: UInt8 = 0x27
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let equals: UInt8 = 0x3D
    static let upperE: UInt8 = 0x45
    static let upperT: UInt8 = 0x54
    static let upperZ: UInt8 = 0x5A
    static let upperU: UInt8 = 0x55
    static let leftBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let rightBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let lowerB: UInt8 = 0x62
    static let lowerE: UInt8 = 0x65
    static let lowerF: UInt8 = 0x66
    static let lowerI: UInt8 = 0x69
    static let lowerN: UInt8 = 0x6E
    static let lowerO: UInt8 = 0x6F
    static let lowerR: UInt8 = 0x72
    static let lowerT: UInt8 = 0x74
    static let lowerU: UInt8 = 0x75
    static let lowerX: UInt8 = 0x78
    static let lowerZ: UInt8 = 0x7A
    static let leftBrace: UInt8 = 0x7B
    static let rightBrace: UInt8 = 0x7D
    static let delete: UInt8 = 0x7F

    static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }

    /// `A-Z a-z 0-9 _ -`.
    static func isBareKey(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == underscore || b == minus
    }

    /// U+0000–U+0008, U+000A–U+001F and U+007F: not allowed raw in comments and strings (tab is).
    static func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != tab) || b == delete }

    /// The value of a hexadecimal digit.
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case zero...nine: UInt32(b - zero)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: nil
        }
    }

    /// `U+001F`.
    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
