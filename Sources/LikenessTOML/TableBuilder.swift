// MARK: - TableBuilder

/// A table while the document is being parsed, with what TOML's definition rules need to know.
///
/// The rules (TOML 1.0, "Table", "Array of Tables", "Keys"):
/// - a key is defined once; a table is defined once, by a `[header]` or by dotted keys, not both;
/// - a header may name a table that earlier headers created implicitly (`[a]` after `[a.b]`), once;
/// - a header may add a sub-table to a table made by dotted keys (`[a.b.c]` after `a.b.x = 1`), but not
///   define that table itself (`[a.b]`);
/// - dotted keys may not add to a table made by a header, implicitly or not (`b.c.x = 1` under `[a]`
///   after `[a.b.c]`), nor to an array of tables or an inline table;
/// - inline tables and `[ ]` arrays are complete where they are written: nothing extends them later;
/// - `[[name]]` appends to an array of tables; a header through an array of tables means its last element.
/// Inline tables and arrays are finished values once parsed, so they are stored as ``TOMLValue``s and
/// cannot be entered again.
final class TableBuilder {
    enum Origin {
        case root
        /// Created by a header for a longer name (`a` by `[a.b]`); a later `[a]` may still define it.
        case implicit
        /// Defined by `[name]`, or an element of an array of tables.
        case header
        /// Created by a dotted key (`a` by `a.b = 1`).
        case dotted
        /// An `{ … }` table while it is being parsed.
        case inline
    }

    enum Node {
        case value(TOMLValue, key: TOMLPosition, at: TOMLPosition)
        case table(TableBuilder, key: TOMLPosition)
        case tables(TableArrayBuilder, key: TOMLPosition)
    }

    var origin: Origin
    var position: TOMLPosition
    /// Nesting depth: the root is 0.
    let depth: Int
    /// The dotted name, for messages (`motion`, `screens`, `"key with spaces".x`).
    let name: String
    private var keys: [String] = []
    private var nodes: [String: Node] = [:]

    init(origin: Origin, position: TOMLPosition, depth: Int, name: String) {
        self.origin = origin
        self.position = position
        self.depth = depth
        self.name = name
    }

    // MARK: Headers

    /// Opens `[key]` or `[[key]]` below the root; returns the table that the following key/value pairs fill.
    func openTable(_ key: [Parser.KeyPart], isArray: Bool, at header: TOMLPosition) throws(TOMLError) -> TableBuilder {
        guard let last = key.last else { throw TOMLError("expected a table name", at: header) }
        var table = self
        for part in key.dropLast() { table = try table.descend(into: part, header: header) }
        let name = table.qualified(last.name)
        switch table.nodes[last.name] {
        case nil:
            let new = try table.child(last, origin: .header, position: header)
            table.insert(last.name, isArray ? .tables(TableArrayBuilder(new, position: header), key: last.position)
                                            : .table(new, key: last.position))
            return new
        case let .table(existing, key)?:
            if isArray {
                throw TOMLError("'\(name)' is already a table (line \(key.line)), so [[\(name)]] cannot make it an array of tables", at: last.position)
            }
            switch existing.origin {
            case .implicit:
                existing.origin = .header
                existing.position = header
                return existing
            case .dotted:
                throw TOMLError("table '\(name)' is already defined by dotted keys (line \(key.line)); a [\(name)] header cannot define it again, put its keys there", at: last.position)
            case .root, .header, .inline:
                throw TOMLError("table [\(name)] is defined twice (first at line \(existing.position.line)); merge the two", at: last.position)
            }
        case let .tables(array, key)?:
            guard isArray else {
                throw TOMLError("'\(name)' is an array of tables ([[\(name)]] at line \(key.line)); use [[\(name)]] to add an element", at: last.position)
            }
            let new = try table.child(last, origin: .header, position: header)
            array.tables.append(new)
            return new
        case let .value(value, key, _)?:
            throw Self.notExtensible(value, name: name, line: key.line, at: last.position, arrayHeader: isArray)
        }
    }

    /// The table a header passes through: created implicitly if missing, the last element of an array of tables.
    private func descend(into part: Parser.KeyPart, header: TOMLPosition) throws(TOMLError) -> TableBuilder {
        switch nodes[part.name] {
        case nil:
            let new = try child(part, origin: .implicit, position: part.position)
            insert(part.name, .table(new, key: part.position))
            return new
        case let .table(table, _)?:
            return table
        case let .tables(array, key)?:
            guard let last = array.tables.last else {
                throw TOMLError("'\(qualified(part.name))' is an empty array of tables (line \(key.line))", at: part.position)
            }
            return last
        case let .value(value, key, _)?:
            throw Self.notExtensible(value, name: qualified(part.name), line: key.line, at: part.position, arrayHeader: false)
        }
    }

    // MARK: Key/value pairs

    /// `a.b.c = value` in this table: `a` and `b` are found or created as dotted-key tables.
    func setValue(_ value: TOMLValue, for key: [Parser.KeyPart], at valuePosition: TOMLPosition) throws(TOMLError) {
        guard let last = key.last else { throw TOMLError("expected a key", at: valuePosition) }
        var table = self
        for part in key.dropLast() {
            let name = table.qualified(part.name)
            switch table.nodes[part.name] {
            case nil:
                let new = try table.child(part, origin: .dotted, position: part.position)
                table.insert(part.name, .table(new, key: part.position))
                table = new
            case let .table(existing, key)?:
                guard existing.origin == .dotted else {
                    throw TOMLError("table '\(name)' is defined by a [table] header (line \(key.line)); dotted keys cannot add to it, write the key under its header", at: part.position)
                }
                table = existing
            case let .tables(_, key)?:
                throw TOMLError("'\(name)' is an array of tables ([[\(name)]] at line \(key.line)); dotted keys cannot add to it", at: part.position)
            case let .value(value, key, _)?:
                throw Self.notExtensible(value, name: name, line: key.line, at: part.position, arrayHeader: false)
            }
        }
        if let existing = table.nodes[last.name] {
            let line: Int
            switch existing {
            case let .value(_, key, _), let .table(_, key), let .tables(_, key): line = key.line
            }
            throw TOMLError("key '\(table.qualified(last.name))' is defined twice (first at line \(line)); delete one", at: last.position)
        }
        table.insert(last.name, .value(value, key: last.position, at: valuePosition))
    }

    // MARK: Building

    /// The finished, immutable table.
    func build() -> TOMLTable {
        var table = TOMLTable(position: position)
        for key in keys {
            switch nodes[key] {
            case nil:
                continue
            case let .value(value, keyPosition, valuePosition)?:
                table.append(key, .init(value: value, keyPosition: keyPosition, valuePosition: valuePosition))
            case let .table(sub, keyPosition)?:
                table.append(key, .init(value: .table(sub.build()), keyPosition: keyPosition, valuePosition: sub.position))
            case let .tables(array, keyPosition)?:
                var elements = TOMLArray(position: array.position)
                for sub in array.tables { elements.append(.table(sub.build()), at: sub.position) }
                table.append(key, .init(value: .array(elements), keyPosition: keyPosition, valuePosition: array.position))
            }
        }
        return table
    }

    // MARK: Helpers

    private func insert(_ key: String, _ node: Node) {
        if nodes.updateValue(node, forKey: key) == nil { keys.append(key) }
    }

    private func child(_ part: Parser.KeyPart, origin: Origin, position: TOMLPosition) throws(TOMLError) -> TableBuilder {
        guard depth < TOMLDocument.maximumDepth else {
            throw TOMLError("tables nested more than \(TOMLDocument.maximumDepth) levels deep", at: part.position)
        }
        return TableBuilder(origin: origin, position: position, depth: depth + 1, name: qualified(part.name))
    }

    func qualified(_ key: String) -> String {
        name.isEmpty ? Self.quoted(key) : "\(name).\(Self.quoted(key))"
    }

    /// A key as it would be written: bare when it can be, else in double quotes.
    static func quoted(_ key: String) -> String {
        if !key.isEmpty, key.utf8.allSatisfy(ASCII.isBareKey) { return key }
        var text = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: text += "\\u" + String(ASCII.codePoint(scalar.value).dropFirst(2))
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    private static func notExtensible(_ value: TOMLValue, name: String, line: Int, at position: TOMLPosition, arrayHeader: Bool) -> TOMLError {
        switch value {
        case .table:
            return TOMLError("'\(name)' is an inline table (line \(line)), which cannot be extended; add the keys inside its { }", at: position)
        case .array where arrayHeader:
            return TOMLError("'\(name)' is an array written with [ ] (line \(line)); [[\(name)]] cannot add to it", at: position)
        case .array:
            return TOMLError("'\(name)' is an array (line \(line)), not a table", at: position)
        default:
            return TOMLError("'\(name)' already has a value (line \(line)), so it cannot also be a table", at: position)
        }
    }
}

// MARK: - TableArrayBuilder

/// An array of tables (`[[name]]`) while it is being parsed.
final class TableArrayBuilder {
    var tables: [TableBuilder]
    let position: TOMLPosition

    init(_ first: TableBuilder, position: TOMLPosition) {
        tables = [first]
        self.position = position
    }
}
