import Foundation

// MARK: - Schedule

/// `[schedule]`: when the gallery is open, in its own time zone.
///
/// `open` lists spans such as `"Tue-Sun 10:00-18:00"`, `"Thu 10:00-21:00"`, `"Mon,Wed 09:30-12:00"`,
/// `"daily 08:00-20:00"` or `"Fri-Sat 20:00-02:00"` (an end at or before the start runs past midnight
/// into the next day). An instant is open when any span covers it; with no spans the show is always
/// open. A span belongs to the day it starts on: a date in `closed` (`"2026-12-25"`) cancels the spans
/// that start that day. Times are local wall-clock times in `timezone` (IANA, e.g. `"Europe/Paris"`;
/// default: the system's), so opening hours stay put across daylight-saving changes: on the night the
/// clocks go forward a span ending at 02:30 ends at 03:00, the first instant after the gap.
/// The show's timeline keeps running while closed, so opening is never a replay.
public struct Schedule: Sendable, Equatable {
    /// One opening span: on `weekdays` (1 = Sunday … 7 = Saturday, as `Calendar`), from `start` to `end`
    /// minutes after local midnight; `end <= start` runs into the next day.
    public struct Span: Sendable, Equatable {
        public var weekdays: Set<Int>
        public var start: Int
        public var end: Int
        public var crossesMidnight: Bool { end <= start }
    }

    /// What the screens show while closed.
    public enum Outside: String, Sendable, CaseIterable {
        /// Fade to black, stop generating (the CPU idles) and let the display sleep.
        case black
        /// Fade to a still card with the exhibition's title and the model's credit line.
        case card
    }

    public var spans: [Span]
    /// Closed dates as local `year, month, day`.
    public var closedDates: Set<LocalDate>
    public var timeZone: TimeZone
    public var outside: Outside
    /// Seconds of the fade at opening and closing.
    public var fade: Double

    /// Always open (no `[schedule]`).
    public static let alwaysOpen = Schedule(spans: [], closedDates: [], timeZone: .current, outside: .black, fade: 3)

    public init(spans: [Span], closedDates: Set<LocalDate>, timeZone: TimeZone, outside: Outside, fade: Double) {
        self.spans = spans
        self.closedDates = closedDates
        self.timeZone = timeZone
        self.outside = outside
        self.fade = fade
    }

    /// Whether nothing ever closes the show.
    public var isAlwaysOpen: Bool { spans.isEmpty && closedDates.isEmpty }

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// Whether the show is open at `date`.
    public func isOpen(at date: Date) -> Bool {
        if isAlwaysOpen { return true }
        let calendar = self.calendar
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute,
              let today = LocalDate(parts) else { return true }
        let now = hour * 60 + minute
        if spans.isEmpty { return !closedDates.contains(today) }
        let yesterdayDate = calendar.date(byAdding: .day, value: -1, to: date) ?? date
        let yesterday = LocalDate(calendar.dateComponents([.year, .month, .day], from: yesterdayDate))
        let previousWeekday = (weekday + 5) % 7 + 1
        for span in spans {
            if span.weekdays.contains(weekday), !closedDates.contains(today), now >= span.start,
               now < (span.crossesMidnight ? 24 * 60 : span.end) {
                return true
            }
            if span.crossesMidnight, span.weekdays.contains(previousWeekday), let yesterday, !closedDates.contains(yesterday),
               now < span.end {
                return true
            }
        }
        return false
    }

    /// The first instant after `date` (within 9 days) at which `isOpen` changes; nil if it never does.
    public func nextChange(after date: Date) -> Date? {
        if isAlwaysOpen { return nil }
        let calendar = self.calendar
        let state = isOpen(at: date)
        let midnight = calendar.startOfDay(for: date)
        var candidates: [Date] = []
        for offset in -1...9 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: midnight) else { continue }
            candidates.append(day)
            for span in spans {
                for minute in [span.start, span.end] {
                    if let t = calendar.date(bySettingHour: minute / 60 % 24, minute: minute % 60, second: 0, of: day) {
                        candidates.append(minute == 24 * 60 ? calendar.date(byAdding: .day, value: 1, to: day) ?? t : t)
                    }
                }
            }
        }
        // Daylight-saving jumps: a span that ends inside a skipped hour ends at the jump.
        var transition = date
        while let next = timeZone.nextDaylightSavingTimeTransition(after: transition), next.timeIntervalSince(date) < 10 * 86_400 {
            candidates.append(next)
            transition = next
        }
        return candidates.filter { $0 > date }.sorted().first { isOpen(at: $0) != state }
    }

    // MARK: Parsing

    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `"Tue-Sun 10:00-18:00"`; nil when it is not a span.
    public static func span(_ text: String) -> Span? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let daysText: String, timeText: String
        switch parts.count {
        case 1: daysText = "daily"; timeText = parts[0]
        case 2: daysText = parts[0]; timeText = parts[1]
        default: return nil
        }
        guard let days = weekdays(daysText), let (start, end) = times(timeText) else { return nil }
        return Span(weekdays: days, start: start, end: end)
    }

    /// `"Mon-Fri"`, `"Sat,Sun"`, `"Fri-Mon"`, `"daily"` → weekdays 1…7 (Sunday = 1).
    static func weekdays(_ text: String) -> Set<Int>? {
        let lower = text.lowercased()
        if lower == "daily" || lower == "everyday" || lower == "mon-sun" { return Set(1...7) }
        var days = Set<Int>()
        for item in lower.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { day(String($0)) }
            switch ends.count {
            case 1:
                guard let d = ends[0] else { return nil }
                days.insert(d)
            case 2:
                guard let a = ends[0], let b = ends[1] else { return nil }
                var d = a
                while true {
                    days.insert(d)
                    if d == b { break }
                    d = d % 7 + 1
                }
            default:
                return nil
            }
        }
        return days.isEmpty ? nil : days
    }

    /// `"tue"`, `"tuesday"` → 3.
    static func day(_ text: String) -> Int? {
        guard text.count >= 3 else { return nil }
        let prefix = String(text.prefix(3))
        guard let index = dayNames.firstIndex(of: prefix) else { return nil }
        let full = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"][index]
        guard text == prefix || text == full else { return nil }
        return index + 1
    }

    /// `"10:00-18:00"` → minutes after midnight; the end may be `24:00`; start and end differ.
    static func times(_ text: String) -> (Int, Int)? {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let start = minutes(String(ends[0])), let end = minutes(String(ends[1])),
              start < 24 * 60, start != end else { return nil }
        return (start, end == 0 ? 24 * 60 : end)   // "18:00-00:00" ends at midnight
    }

    static func minutes(_ text: String) -> Int? {
        let hm = text.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count >= 1, hm[0].count <= 2, hm[1].count == 2,
              let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m), h < 24 || m == 0 else { return nil }
        return h * 60 + m
    }
}

// MARK: - LocalDate

/// A calendar date without a time: `2026-12-25`.
public struct LocalDate: Sendable, Hashable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init?(_ parts: DateComponents) {
        guard let y = parts.year, let m = parts.month, let d = parts.day else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD`, checking that the day exists.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let first = calendar.date(from: DateComponents(year: y, month: m, day: 1)),
              let range = calendar.range(of: .day, in: .month, for: first), range.contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
}
