import Foundation
import LikenessTOML
import Testing

// MARK: - toml-test

/// Runs the toml-test suite (github.com/toml-lang/toml-test) from a local copy of its `tests/` folder.
///
/// `Scripts/toml-test.sh` fetches the suite and runs this with `LIKENESS_TOML_TEST_DIR` set; without the
/// variable the test is skipped. The files are not part of this repository. Every valid case must parse
/// and match its JSON (toml-test's tagged format); every invalid case must throw a `TOMLError` (never
/// trap). The cases are those listed in `files-toml-1.0.0` when the copy has it.
@Suite struct TOMLTestSuiteTests {
    static let directory: URL? = ProcessInfo.processInfo.environment["LIKENESS_TOML_TEST_DIR"].map { URL(fileURLWithPath: $0) }

    @Test(.enabled(if: directory != nil, "set LIKENESS_TOML_TEST_DIR to toml-test's tests/ folder, or run Scripts/toml-test.sh"))
    func everyValidCaseParsesAndEveryInvalidCaseIsRefused() throws {
        guard let directory = Self.directory else { return }
        let cases = try Self.caseList(in: directory)
        var valid = (passed: 0, total: 0), invalid = (passed: 0, total: 0)
        var failures: [String] = []
        for path in cases {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(path)))
            if path.hasPrefix("valid/") {
                valid.total += 1
                let jsonURL = directory.appendingPathComponent(String(path.dropLast(".toml".count)) + ".json")
                let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL), options: [.fragmentsAllowed])
                do {
                    let document = try TOMLDocument(utf8: bytes)
                    if let mismatch = TaggedJSON.compare(.table(document.root), expected, path: "") {
                        failures.append("\(path): \(mismatch)")
                    } else {
                        valid.passed += 1
                    }
                } catch {
                    failures.append("\(path): refused: \(error)")
                }
            } else {
                invalid.total += 1
                do {
                    _ = try TOMLDocument(utf8: bytes)
                    failures.append("\(path): accepted, but it is invalid TOML")
                } catch {
                    invalid.passed += 1
                }
            }
        }
        print("toml-test (TOML 1.0.0 cases): valid \(valid.passed)/\(valid.total), invalid \(invalid.passed)/\(invalid.total)")
        #expect(valid.total > 0 && invalid.total > 0, "no cases found under \(directory.path)")
        #expect(failures.isEmpty, Comment(rawValue: failures.joined(separator: "\n")))
    }

    /// The `.toml` cases for TOML 1.0, relative to `directory`.
    static func caseList(in directory: URL) throws -> [String] {
        let list = directory.appendingPathComponent("files-toml-1.0.0")
        if let text = try? String(contentsOf: list, encoding: .utf8) {
            return text.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".toml") }
        }
        var found: [String] = []
        for top in ["valid", "invalid"] {
            let root = directory.appendingPathComponent(top)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            while let file = walker.nextObject() as? String {
                if file.hasSuffix(".toml") { found.append("\(top)/\(file)") }
            }
        }
        return found.sorted()
    }
}

// MARK: - Tagged JSON

/// toml-test's JSON form: tables are objects, arrays are arrays, and every other value is
/// `{"type": "integer", "value": "42"}`. Floats compare as numbers, date-times as instants (or fields).
enum TaggedJSON {
    /// Nil when `value` matches `json`, else what differs and where.
    static func compare(_ value: TOMLValue, _ json: Any, path: String) -> String? {
        switch value {
        case let .table(table):
            guard let object = json as? [String: Any], !isTaggedScalar(object) else { return "\(path): expected \(json), found a table" }
            guard Set(object.keys) == Set(table.keys) else {
                return "\(path): keys \(table.keys.sorted()) but expected \(object.keys.sorted())"
            }
            for key in table.keys {
                guard let sub = table[key], let expected = object[key] else { return "\(path).\(key): missing" }
                if let mismatch = compare(sub, expected, path: "\(path).\(key)") { return mismatch }
            }
            return nil
        case let .array(array):
            guard let list = json as? [Any] else { return "\(path): expected \(json), found an array" }
            guard list.count == array.count else { return "\(path): \(array.count) elements, expected \(list.count)" }
            for (i, element) in array.enumerated() {
                if let mismatch = compare(element, list[i], path: "\(path)[\(i)]") { return mismatch }
            }
            return nil
        default:
            guard let object = json as? [String: Any], let type = object["type"] as? String, let text = object["value"] as? String else {
                return "\(path): expected \(json), found \(value)"
            }
            guard type == value.typeName else { return "\(path): type \(value.typeName), expected \(type)" }
            return scalarMatches(value, text) ? nil : "\(path): \(value), expected \(text)"
        }
    }

    private static func isTaggedScalar(_ object: [String: Any]) -> Bool {
        object.count == 2 && object["type"] is String && object["value"] is String
    }

    private static func scalarMatches(_ value: TOMLValue, _ text: String) -> Bool {
        switch value {
        case let .string(s): return s == text
        case let .integer(i): return String(i) == text
        case let .boolean(b): return (b ? "true" : "false") == text
        case let .float(f):
            if text.lowercased().hasSuffix("nan") { return f.isNaN }
            return Double(text) == f
        case let .dateTime(d):
            guard let expected = Stamp(text) else { return false }
            if let offset = expected.offsetMinutes {
                guard let seconds = d.secondsSince1970, d.offsetMinutes != nil, let days = expected.days else { return false }
                let expectedSeconds = Int64(days) * 86_400 + Int64(expected.seconds) - Int64(offset) * 60
                return seconds == expectedSeconds && d.time.nanosecond == expected.nanosecond
            }
            return d.offsetMinutes == nil && expected.matches(date: d.date) && expected.matches(time: d.time)
        case let .date(d):
            return Stamp(text).map { $0.matches(date: d) } ?? false
        case let .time(t):
            return Stamp(text).map { $0.matches(time: t) } ?? false
        case .array, .table:
            return false
        }
    }
}

/// An RFC 3339 date, time or date-time as toml-test writes it, read without LikenessTOML.
struct Stamp {
    var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, nanosecond = 0
    var offsetMinutes: Int?

    init?(_ text: String) {
        let characters = Array(text.uppercased().replacingOccurrences(of: " ", with: "T"))
        var i = 0
        func number(_ count: Int) -> Int? {
            guard i + count <= characters.count, let n = Int(String(characters[i..<i + count])) else { return nil }
            i += count
            return n
        }
        func skip(_ c: Character) -> Bool {
            guard i < characters.count, characters[i] == c else { return false }
            i += 1
            return true
        }
        let hasDate = characters.count >= 10 && characters[4] == "-"
        if hasDate {
            guard let y = number(4), skip("-"), let m = number(2), skip("-"), let d = number(2) else { return nil }
            (year, month, day) = (y, m, d)
            if i == characters.count { return }
            guard skip("T") else { return nil }
        }
        guard let h = number(2), skip(":"), let m = number(2), skip(":"), let s = number(2) else { return nil }
        (hour, minute, second) = (h, m, s)
        if skip(".") {
            var digits = ""
            while i < characters.count, characters[i].isNumber { digits.append(characters[i]); i += 1 }
            nanosecond = Int(String((digits + "000000000").prefix(9))) ?? 0
        }
        if skip("Z") {
            offsetMinutes = 0
        } else if i < characters.count, characters[i] == "+" || characters[i] == "-" {
            let sign = characters[i] == "-" ? -1 : 1
            i += 1
            guard let oh = number(2), skip(":"), let om = number(2) else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        }
        guard i == characters.count else { return nil }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), counted year by year and month by month.
    var days: Int? {
        func leap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        guard (1...12).contains(month) else { return nil }
        var total = 0
        if year >= 1970 {
            for y in 1970..<year { total += leap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { total -= leap(y) ? 366 : 365 }
        }
        let lengths = [31, leap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        total += lengths.prefix(month - 1).reduce(0, +) + day - 1
        return total
    }

    var seconds: Int { hour * 3600 + minute * 60 + second }

    func matches(date: TOMLDate) -> Bool { (date.year, date.month, date.day) == (year, month, day) }
    func matches(time: TOMLTime) -> Bool {
        (time.hour, time.minute, time.second, time.nanosecond) == (hour, minute, second, nanosecond)
    }
}
