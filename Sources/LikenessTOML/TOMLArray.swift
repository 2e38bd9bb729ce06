// MARK: - TOMLArray

/// A TOML array (`[1, "two", 3.0]`) or array of tables (`[[screens]]`), with each element's position.
public struct TOMLArray: Sendable, Equatable, RandomAccessCollection {
    /// The elements, in order.
    public private(set) var elements: [TOMLValue] = []
    private var positions: [TOMLPosition] = []
    /// Where the array starts: its `[`, or the first `[[header]]` of an array of tables.
    public let position: TOMLPosition

    init(position: TOMLPosition) {
        self.position = position
    }

    mutating func append(_ value: TOMLValue, at position: TOMLPosition) {
        elements.append(value)
        positions.append(position)
    }

    /// Where element `index` starts (for an array of tables, its `[[header]]`).
    public func position(at index: Int) -> TOMLPosition? {
        positions.indices.contains(index) ? positions[index] : nil
    }

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    public subscript(index: Int) -> TOMLValue { elements[index] }

    /// Same elements in the same order; positions do not count.
    public static func == (a: TOMLArray, b: TOMLArray) -> Bool { a.elements == b.elements }
}
