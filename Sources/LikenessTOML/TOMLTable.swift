// MARK: - TOMLTable

/// A TOML table: keys in source order, their values, and where each key and value was written.
public struct TOMLTable: Sendable, Equatable {
    struct Entry: Sendable {
        var value: TOMLValue
        var keyPosition: TOMLPosition
        var valuePosition: TOMLPosition
    }

    /// The keys, in the order they first appear in the source.
    public private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]
    /// Where the table was defined: its `[header]` (or `[[header]]`), its `{`, the key that created it by a
    /// dotted key or header, or 1:1 for the root.
    public let position: TOMLPosition

    init(position: TOMLPosition) {
        self.position = position
    }

    /// Appends a key that is not in the table yet (the parser has checked that).
    mutating func append(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { keys.append(key) }
    }

    /// The value of `key`, or nil.
    public subscript(key: String) -> TOMLValue? { entries[key]?.value }

    /// Whether the table has `key`.
    public func contains(_ key: String) -> Bool { entries[key] != nil }

    /// Where `key` is written (its first part when dotted, e.g. `a` in `a.b = 1`; the key in a `[header]`).
    public func position(of key: String) -> TOMLPosition? { entries[key]?.keyPosition }

    /// Where the value of `key` starts: the first character of the value, or a sub-table's ``position``.
    public func valuePosition(of key: String) -> TOMLPosition? { entries[key]?.valuePosition }

    /// How many keys the table has.
    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Same keys with equal values; order and positions do not count.
    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.keys.count == b.keys.count && a.keys.allSatisfy { key in b.entries[key].map { $0.value == a[key] } ?? false }
    }
}
