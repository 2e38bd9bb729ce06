// MARK: - TOMLValue

/// One TOML value.
///
/// Positions live in the containers: ``TOMLTable/position(of:)`` and ``TOMLTable/valuePosition(of:)`` for
/// a key and its value, ``TOMLArray/position(at:)`` for an element. Equality compares contents only, never
/// positions (and, as for `Double`, `nan` is not equal to itself).
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    /// A 64-bit integer, written in decimal, `0x` hexadecimal, `0o` octal or `0b` binary.
    case integer(Int64)
    /// A float, including `inf` and `nan`.
    case float(Double)
    case boolean(Bool)
    /// An offset date-time (`1979-05-27T07:32:00Z`) or, when ``TOMLDateTime/offsetMinutes`` is nil, a local one.
    case dateTime(TOMLDateTime)
    /// A local date (`1979-05-27`).
    case date(TOMLDate)
    /// A local time of day (`07:32:00`).
    case time(TOMLTime)
    /// An array (`[1, 2]`) or an array of tables (`[[name]]`).
    case array(TOMLArray)
    /// A table: standard (`[name]`), inline (`{ a = 1 }`), defined by dotted keys, or implicit.
    case table(TOMLTable)

    public var stringValue: String? { if case let .string(v) = self { v } else { nil } }
    public var integerValue: Int64? { if case let .integer(v) = self { v } else { nil } }
    public var floatValue: Double? { if case let .float(v) = self { v } else { nil } }
    public var boolValue: Bool? { if case let .boolean(v) = self { v } else { nil } }
    public var dateTimeValue: TOMLDateTime? { if case let .dateTime(v) = self { v } else { nil } }
    public var dateValue: TOMLDate? { if case let .date(v) = self { v } else { nil } }
    public var timeValue: TOMLTime? { if case let .time(v) = self { v } else { nil } }
    public var arrayValue: TOMLArray? { if case let .array(v) = self { v } else { nil } }
    public var tableValue: TOMLTable? { if case let .table(v) = self { v } else { nil } }

    /// The type's name as the TOML specification and toml-test write it: `string`, `integer`, `float`,
    /// `bool`, `datetime`, `datetime-local`, `date-local`, `time-local`, `array`, `table`.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "bool"
        case let .dateTime(d): d.offsetMinutes == nil ? "datetime-local" : "datetime"
        case .date: "date-local"
        case .time: "time-local"
        case .array: "array"
        case .table: "table"
        }
    }
}
