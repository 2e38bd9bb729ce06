import Foundation

// MARK: - TOMLLineIndex

/// Line numbers of tables and keys in a TOML source, for error messages.
///
/// TOMLKit does not expose source positions of values, so this scans the text: it follows `[table]` and
/// `[[array]]` headers (numbering array entries from 0) and records the line of every `key = value`.
/// Keys are written as dotted paths: `motion.style`, `screens[1].seed`. Good enough for error messages;
/// multi-line strings and inline tables are handled only as far as not confusing the scan.
struct TOMLLineIndex {
    private(set) var lines: [String: Int] = [:]

    init(source: String) {
        var table = ""
        var arrayCounts: [String: Int] = [:]
        var inMultilineString = false
        for (offset, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let tripleQuotes = line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1
            if inMultilineString {
                if tripleQuotes % 2 == 1 { inMultilineString = false }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = Self.headerName(line, brackets: 2)
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                record(name, number)
                table = "\(name)[\(index)]"
                record(table, number)
            } else if line.hasPrefix("[") {
                table = Self.headerName(line, brackets: 1)
                record(table, number)
            } else if let equals = line.firstIndex(of: "=") {
                var key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
                if key.count >= 2, key.first == "\"" || key.first == "'" { key = String(key.dropFirst().dropLast()) }
                record(table.isEmpty ? key : "\(table).\(key)", number)
                if tripleQuotes % 2 == 1 { inMultilineString = true }
            }
        }
    }

    private mutating func record(_ key: String, _ line: Int) {
        if lines[key] == nil { lines[key] = line }
    }

    private static func headerName(_ line: String, brackets: Int) -> String {
        var text = Substring(line).dropFirst(brackets)
        if let close = text.firstIndex(of: "]") { text = text[..<close] }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The line of `key` (a dotted path), or of its nearest enclosing table, or nil.
    func line(of key: String) -> Int? {
        var path = key
        while true {
            if let line = lines[path] { return line }
            guard let dot = path.lastIndex(of: ".") else { return nil }
            path = String(path[..<dot])
        }
    }
}
