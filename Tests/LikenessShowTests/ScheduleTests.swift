import Foundation
import Testing
@testable import LikenessShow

// MARK: - Opening hours

private func instant(_ text: String) throws -> Date {
    try #require(RFC3339.date(from: text), "bad test timestamp \(text)")
}

private func schedule(_ open: [String], closed: [String] = [], zone: String = "Europe/Paris") throws -> Schedule {
    let spans = try open.map { try #require(Schedule.span($0), "bad span \($0)") }
    let dates = try closed.map { try #require(LocalDate($0)) }
    return Schedule(spans: spans, closedDates: Set(dates), timeZone: try #require(TimeZone(identifier: zone)), outside: .black, fade: 3)
}

@Suite("Schedule")
struct ScheduleTests {
    @Test("spans parse; malformed ones do not")
    func parsing() throws {
        let s = try #require(Schedule.span("Tue-Sun 10:00-18:00"))
        #expect(s.weekdays == [3, 4, 5, 6, 7, 1] && s.start == 600 && s.end == 1080)
        #expect(Schedule.span("Fri-Mon 20:00-02:00")?.weekdays == [6, 7, 1, 2])
        #expect(Schedule.span("Mon,Wed,friday 09:30-12:00")?.weekdays == [2, 4, 6])
        #expect(Schedule.span("daily 08:00-24:00")?.end == 1440)
        #expect(Schedule.span("10:00-18:00")?.weekdays.count == 7)
        for bad in ["Tue-Sun 10-18", "Xyz 10:00-11:00", "Mon 25:00-26:00", "Mon 10:00-10:00", "Mon 10:00", "Mo 10:00-11:00",
                    "Mon 10:60-11:00", "Mon- 10:00-11:00", "Mon 10:00-11:00 extra", ""] {
            #expect(Schedule.span(bad) == nil, "\(bad) must not parse")
        }
        #expect(LocalDate("2026-02-29") == nil && LocalDate("2028-02-29") != nil && LocalDate("2026-13-01") == nil)
    }

    @Test("Tuesday to Sunday 10-18, Thursday late; Mondays and closed dates shut")
    func openingHours() throws {
        let s = try schedule(["Tue-Sun 10:00-18:00", "Thu 10:00-21:00"], closed: ["2026-12-25"])
        // 2026-12-01 is a Tuesday; Paris is UTC+1 in winter.
        #expect(!s.isOpen(at: try instant("2026-12-01T08:59:59Z")))
        #expect(s.isOpen(at: try instant("2026-12-01T09:00:00Z")))
        #expect(s.isOpen(at: try instant("2026-12-01T16:59:59Z")))
        #expect(!s.isOpen(at: try instant("2026-12-01T17:00:00Z")))
        #expect(s.isOpen(at: try instant("2026-12-03T19:30:00Z")), "Thursday late opening")
        #expect(!s.isOpen(at: try instant("2026-12-07T12:00:00Z")), "Monday")
        #expect(!s.isOpen(at: try instant("2026-12-25T12:00:00Z")), "a closed Friday")
        #expect(s.isOpen(at: try instant("2026-12-26T12:00:00Z")))
        let change202612011200 = try (s.nextChange(after: instant("2026-12-01T12:00:00Z")), instant("2026-12-01T17:00:00Z"))
        #expect(change202612011200.0 == change202612011200.1)
        // Thursday 24th: open late until 21:00 (20:00Z); then the 25th is closed, so Saturday 26th 10:00.
        let change202612241800 = try (s.nextChange(after: instant("2026-12-24T18:00:00Z")), instant("2026-12-24T20:00:00Z"))
        #expect(change202612241800.0 == change202612241800.1)
        let change202612242000 = try (s.nextChange(after: instant("2026-12-24T20:00:00Z")), instant("2026-12-26T09:00:00Z"))
        #expect(change202612242000.0 == change202612242000.1)
    }

    @Test("a span past midnight belongs to the day it starts; a closed date cancels it")
    func pastMidnight() throws {
        let s = try schedule(["Fri-Sat 20:00-02:00"], closed: ["2026-12-25"], zone: "UTC")
        #expect(s.isOpen(at: try instant("2026-12-05T01:30:00Z")), "Saturday 01:30, from Friday")
        #expect(!s.isOpen(at: try instant("2026-12-05T02:00:00Z")))
        #expect(s.isOpen(at: try instant("2026-12-06T01:00:00Z")), "Sunday 01:00, from Saturday")
        #expect(!s.isOpen(at: try instant("2026-12-07T01:00:00Z")), "Monday 01:00")
        #expect(!s.isOpen(at: try instant("2026-12-26T01:00:00Z")), "the span of closed Friday 25th")
        #expect(s.isOpen(at: try instant("2026-12-26T21:00:00Z")))
        let midnight = try schedule(["Mon 22:00-24:00"], zone: "UTC")
        #expect(midnight.isOpen(at: try instant("2026-12-07T23:59:59Z")))
        #expect(!midnight.isOpen(at: try instant("2026-12-08T00:00:00Z")))
    }

    /// Europe/London: on 2027-03-28 the clocks go from 01:00 GMT to 02:00 BST; on 2027-10-31 back from
    /// 02:00 BST to 01:00 GMT.
    @Test("daylight saving in Europe/London")
    func daylightSaving() throws {
        let s = try schedule(["daily 00:30-01:30", "daily 10:00-18:00"], zone: "Europe/London")
        #expect(s.isOpen(at: try instant("2027-03-28T00:45:00Z")), "00:45 GMT")
        #expect(!s.isOpen(at: try instant("2027-03-28T01:00:00Z")), "02:00 BST, after the gap")
        let change202703280045 = try (s.nextChange(after: instant("2027-03-28T00:45:00Z")), instant("2027-03-28T01:00:00Z"))
        #expect(change202703280045.0 == change202703280045.1)
        #expect(s.isOpen(at: try instant("2027-03-28T09:00:00Z")), "10:00 BST")
        #expect(!s.isOpen(at: try instant("2027-03-28T08:59:00Z")), "09:59 BST")
        let repeated = try schedule(["daily 01:15-01:45"], zone: "Europe/London")
        #expect(repeated.isOpen(at: try instant("2027-10-31T00:40:00Z")), "01:40 BST")
        #expect(!repeated.isOpen(at: try instant("2027-10-31T00:50:00Z")), "01:50 BST")
        #expect(repeated.isOpen(at: try instant("2027-10-31T01:40:00Z")), "01:40 GMT, the repeated hour")
        #expect(!repeated.isOpen(at: try instant("2027-10-31T01:50:00Z")))
        #expect(s.isOpen(at: try instant("2027-10-31T10:00:00Z")))
        #expect(!s.isOpen(at: try instant("2027-10-31T09:59:00Z")))
    }

    @Test("[model] detail: a list of stage paths, validated")
    func detailKey() throws {
        let e = try Exhibition.parse("[model]\ndetail = [\"Models/met-refiner-256/model.onnx\", \"Models/met-painter-1024/model.onnx\"]\n")
        #expect(e.model.detail.listedPaths.count == 2)
        #expect(try Exhibition.parse("title = \"x\"").model.detail == .auto, "absent: auto (AutoDetailTests)")
        #expect(throws: ShowError.self) { try Exhibition.parse("[model]\ndetail = [\"\"]\n") }
        #expect(throws: ShowError.self) { try Exhibition.parse("[model]\ndetail = [1]\n") }
    }

    @Test("[schedule] in an exhibition: read, and every mistake is a clear error with the line")
    func exhibitionKeys() throws {
        let e = try Exhibition.parse("""
        [schedule]
        open = ["Tue-Sun 10:00-18:00", "Thu 10:00-21:00"]
        closed = ["2026-12-25", "2027-01-01"]
        timezone = "Europe/Paris"
        outside = "card"
        fade = 2.5
        """)
        #expect(e.schedule.spans.count == 2 && e.schedule.closedDates.count == 2)
        #expect(e.schedule.timeZone.identifier == "Europe/Paris" && e.schedule.outside == .card && e.schedule.fade == 2.5)
        #expect(try Exhibition.parse("title = \"x\"").schedule.isAlwaysOpen)
        let cases: [(String, String)] = [
            ("[schedule]\nopen = [\"Tue-Sun 10-18\"]\n", "<exhibition>:2: key 'schedule.open'"),
            ("[schedule]\nclosed = [\"25.12.2026\"]\n", "<exhibition>:2: key 'schedule.closed'"),
            ("[schedule]\n\ntimezone = \"Mars/Olympus\"\n", "<exhibition>:3: key 'schedule.timezone'"),
            ("[schedule]\noutside = \"grey\"\n", "<exhibition>:2: key 'schedule.outside'"),
            ("[schedule]\nfade = -1\n", "<exhibition>:2: key 'schedule.fade'"),
            ("[schedule]\nopen = [10]\n", "<exhibition>:2: key 'schedule.open'"),
            ("[schedule]\nopening = []\n", "<exhibition>:2: unknown key 'schedule.opening'"),
        ]
        for (text, prefix) in cases {
            do {
                _ = try Exhibition.parse(text)
                Issue.record("\(text) must not load")
            } catch {
                #expect(error.description.hasPrefix(prefix), "\(error.description)")
            }
        }
    }
}
