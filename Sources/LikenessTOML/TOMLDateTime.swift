// MARK: - TOMLDate

/// A calendar date (proleptic Gregorian), as in `1979-05-27`. Always a valid day: the parser checks
/// month lengths and leap years.
public struct TOMLDate: Hashable, Sendable, CustomStringConvertible {
    /// 0 to 9999.
    public let year: Int
    /// 1 to 12.
    public let month: Int
    /// 1 to the length of the month.
    public let day: Int

    /// A date, or nil when there is no such day.
    public init?(year: Int, month: Int, day: Int) {
        guard (0...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD`.
    public var description: String { "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))" }

    /// Days from 1970-01-01 to this date (negative before), as in Hinnant's `days_from_civil`.
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

// MARK: - TOMLTime

/// A time of day, as in `07:32:00.999`. Second 60 (a leap second) is allowed, as in RFC 3339.
public struct TOMLTime: Hashable, Sendable, CustomStringConvertible {
    /// 0 to 23.
    public let hour: Int
    /// 0 to 59.
    public let minute: Int
    /// 0 to 60.
    public let second: Int
    /// 0 to 999 999 999; digits after the ninth are cut off.
    public let nanosecond: Int

    /// A time, or nil when a field is out of range.
    public init?(hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (0...999_999_999).contains(nanosecond) else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// `HH:MM:SS`, with as many fraction digits as needed.
    public var description: String {
        var text = "\(digits(hour, 2)):\(digits(minute, 2)):\(digits(second, 2))"
        if nanosecond > 0 {
            var fraction = digits(nanosecond, 9)
            while fraction.last == "0" { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }

    /// Seconds from midnight.
    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 + second }
}

// MARK: - TOMLDateTime

/// A date and a time, with an offset from UTC (an RFC 3339 timestamp) or without one (a local date-time).
public struct TOMLDateTime: Hashable, Sendable, CustomStringConvertible {
    public let date: TOMLDate
    public let time: TOMLTime
    /// Minutes east of UTC (`+05:30` is 330, `Z` and `-00:00` are 0), or nil for a local date-time.
    public let offsetMinutes: Int?

    /// A date-time, or nil when the offset is out of range (more than 23:59 either way).
    public init?(date: TOMLDate, time: TOMLTime, offsetMinutes: Int?) {
        if let offsetMinutes, abs(offsetMinutes) > 23 * 60 + 59 { return nil }
        self.init(checkedDate: date, time: time, offsetMinutes: offsetMinutes)
    }

    /// For the parser, which has checked the offset's range.
    init(checkedDate date: TOMLDate, time: TOMLTime, offsetMinutes: Int?) {
        self.date = date
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// Parses an RFC 3339 timestamp such as `2025-01-01T00:00:00Z` or `2026-12-24T18:00:00+01:00`.
    ///
    /// Written as TOML allows: `T`, `t` or a space between date and time, `Z` or `z`. The offset is required;
    /// anything else (a local date-time, trailing text) is an error whose position is in the string.
    public init(rfc3339 text: String) throws(TOMLError) {
        var parser = Parser(bytes: Array(text.utf8))
        let value = try parser.parseStandaloneValue()
        guard case let .dateTime(dateTime) = value, dateTime.offsetMinutes != nil else {
            throw TOMLError("expected a date-time with an offset, as in 2025-01-01T00:00:00Z, found a \(value.typeName)",
                            at: TOMLPosition(line: 1, column: 1))
        }
        self = dateTime
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (the fraction is in `time.nanosecond`), or nil for a local
    /// date-time, which names no single instant.
    public var secondsSince1970: Int64? {
        guard let offsetMinutes else { return nil }
        return Int64(date.daysSince1970) * 86_400 + Int64(time.secondsSinceMidnight) - Int64(offsetMinutes) * 60
    }

    /// RFC 3339: `1979-05-27T07:32:00Z`, `1979-05-27T00:32:00.999-07:00`, or without the offset when local.
    public var description: String {
        let base = "\(date)T\(time)"
        guard let offsetMinutes else { return base }
        if offsetMinutes == 0 { return base + "Z" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        return base + sign + digits(abs(offsetMinutes) / 60, 2) + ":" + digits(abs(offsetMinutes) % 60, 2)
    }
}

/// `value` in decimal, left-padded with zeros to `width`.
private func digits(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
