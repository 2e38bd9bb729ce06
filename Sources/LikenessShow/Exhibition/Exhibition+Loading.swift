import Foundation
import LikenessPath
import LikenessMedia
import LikenessTOML

// MARK: - Schema

/// The keys an exhibition file may contain, table by table. Anything else is an error.
public enum ExhibitionSchema {
    public static let topLevel = ["title", "model", "motion", "output", "window", "record", "show", "schedule", "taste", "remote", "screens"]
    public static let show = ["epoch"]
    public static let schedule = ["open", "closed", "timezone", "outside", "fade"]
    public static let model = ["path", "threads", "detail"]
    public static let motion = ["style", "hold", "morph", "seconds_per_keyframe", "keyframes", "period", "speed", "truncation"]
    public static let output = ["width", "height", "fps", "fit", "background", "quality", "fragmented", "png_compression", "threading", "preset"]
    public static let window = ["fullscreen", "vsync", "hide_cursor", "windowed_width", "windowed_height", "fps",
                                "upscale", "overlay", "caption", "label", "kiosk", "snapshot_folder"]
    public static let record = ["seconds", "loop"]
    public static let taste = ["file", "strength", "favourites"]
    public static let remote = ["listen", "osc_listen", "osc_send", "osc_allow"]
    public static let screen = ["name", "display", "seed", "taste", "taste_strength"]
    /// Motion keys that belong to one style only.
    public static let styleKeys: [String: String] = [
        "hold": "sitters", "morph": "sitters", "seconds_per_keyframe": "drift", "keyframes": "loop", "period": "loop",
    ]
    /// Most screens one process drives.
    public static let maximumScreens = 4
}

// MARK: - Loading

extension Exhibition {
    /// Reads and validates an exhibition file.
    public static func load(contentsOf url: URL) throws(ShowError) -> Exhibition {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "not readable" : "no such file"
            throw .fileUnreadable(file: url.path, reason: reason)
        }
        var exhibition = try parse(utf8: [UInt8](data), file: url.path)
        exhibition.source = url
        return exhibition
    }

    /// Parses and validates exhibition TOML; `file` names the source in error messages.
    public static func parse(_ text: String, file: String = "<exhibition>") throws(ShowError) -> Exhibition {
        try parse(utf8: Array(text.utf8), file: file)
    }

    /// Parses and validates exhibition TOML from bytes (invalid UTF-8 is a syntax error with its line and column).
    public static func parse(utf8 bytes: [UInt8], file: String = "<exhibition>") throws(ShowError) -> Exhibition {
        let root: TOMLTable
        do {
            root = try TOMLDocument(utf8: bytes).root
        } catch {
            throw .syntax(file: file, line: error.line, column: error.column, message: error.message)
        }
        let top = TableReader(table: root, path: "", file: file, tableLine: nil, allowed: ExhibitionSchema.topLevel)
        try top.checkKeys()

        var exhibition = Exhibition()
        exhibition.title = try top.string("title", default: "Likeness")

        if let t = try top.table("model", allowed: ExhibitionSchema.model) {
            exhibition.model.path = try t.string("path", default: exhibition.model.path)
            if exhibition.model.path.isEmpty { throw t.invalid("path", "\"\"", "a path to an .onnx file") }
            exhibition.model.threads = try t.int("threads", default: 0, range: 0...64)
            exhibition.model.detail = try parseDetail(t)
        }
        if let t = try top.table("motion", allowed: ExhibitionSchema.motion) {
            exhibition.motion = try parseMotion(t)
        }
        if let t = try top.table("output", allowed: ExhibitionSchema.output) {
            var o = OutputSettings()
            o.width = try t.int("width", default: o.width, range: 16...7680)
            o.height = try t.int("height", default: o.height, range: 16...4320)
            if o.width % 2 != 0 { throw t.invalid("width", "\(o.width)", "an even number (H.264 yuv420p needs even sizes)") }
            if o.height % 2 != 0 { throw t.invalid("height", "\(o.height)", "an even number (H.264 yuv420p needs even sizes)") }
            o.fps = try t.int("fps", default: o.fps, range: 1...240)
            o.fit = try t.choice("fit", default: o.fit)
            o.background = try t.color("background", default: o.background)
            o.quality = try t.int("quality", default: o.quality, range: 0...51)
            o.fragmented = try t.bool("fragmented", default: o.fragmented)
            o.pngCompression = try t.choice("png_compression", default: o.pngCompression)
            o.threading = try t.choice("threading", default: o.threading)
            o.preset = try t.choice("preset", default: o.preset)
            exhibition.output = o
        }
        if let t = try top.table("window", allowed: ExhibitionSchema.window) {
            var w = WindowSettings()
            w.fullscreen = try t.bool("fullscreen", default: w.fullscreen)
            w.vsync = try t.bool("vsync", default: w.vsync)
            w.hideCursor = try t.bool("hide_cursor", default: w.hideCursor)
            w.windowedWidth = try t.int("windowed_width", default: w.windowedWidth, range: 64...16384)
            w.windowedHeight = try t.int("windowed_height", default: w.windowedHeight, range: 64...16384)
            w.fps = try t.int("fps", default: w.fps, range: 1...240)
            w.upscale = try t.choice("upscale", default: w.upscale)
            w.overlay = try t.bool("overlay", default: w.overlay)
            w.caption = try t.bool("caption", default: w.caption)
            w.label = try t.bool("label", default: w.label)
            w.kiosk = try t.bool("kiosk", default: w.kiosk)
            w.snapshotFolder = try t.string("snapshot_folder", default: w.snapshotFolder)
            exhibition.window = w
        }
        if let t = try top.table("record", allowed: ExhibitionSchema.record) {
            exhibition.record.seconds = try t.double("seconds", default: exhibition.record.seconds, range: 0.001...86_400, allowed: "more than 0 and at most 86400 (24 hours)")
            exhibition.record.loop = try t.bool("loop", default: exhibition.record.loop)
        }
        if let t = try top.table("show", allowed: ExhibitionSchema.show) {
            exhibition.show.epoch = try t.date("epoch", default: exhibition.show.epoch)
        }
        if let t = try top.table("schedule", allowed: ExhibitionSchema.schedule) {
            exhibition.schedule = try parseSchedule(t)
        }
        if let t = try top.table("taste", allowed: ExhibitionSchema.taste) {
            exhibition.taste = try parseTaste(t)
        }
        if let t = try top.table("remote", allowed: ExhibitionSchema.remote) {
            exhibition.remote = try parseRemote(t)
        }
        if let screens = try top.tableArray("screens", allowed: ExhibitionSchema.screen) {
            if screens.isEmpty || screens.count > ExhibitionSchema.maximumScreens {
                throw ShowError.invalidValue(file: file, line: top.line("screens"), key: "screens",
                                             value: "\(screens.count) entries", allowed: "1 to \(ExhibitionSchema.maximumScreens) [[screens]] tables")
            }
            exhibition.screens = []
            for (i, t) in screens.enumerated() {
                let name = try t.string("name", default: i == 0 ? "main" : "screen\(i + 1)")
                let display = try t.int("display", default: i, range: 0...15)
                let seed = try t.int("seed", default: i + 1, range: 0...Int.max)
                var screen = Screen(name: name, display: display, seed: UInt64(seed))
                if t.has("taste") {
                    let file = try t.string("taste", default: "")
                    if file.isEmpty { throw t.invalid("taste", "\"\"", "a path to a taste file written by `likeness curate`, or \"none\" for this screen's plain seeded sitters") }
                    screen.tasteFile = file
                }
                if t.has("taste_strength") {
                    screen.tasteStrength = try t.double("taste_strength", default: 0.8, range: 0...1, allowed: "0 to 1 (0 = off, 1 = only the faces the taste model is surest of)")
                }
                exhibition.screens.append(screen)
            }
        }
        return exhibition
    }

    /// What `[model] detail` accepts, for its error messages.
    static let detailForms = "\"auto\" (the default: the shipped stages beside the generator; show picks how many this machine sustains), "
        + "[] (no detail stages), or a list of up to 8 detail-stage .onnx paths in order, e.g. [\"Models/met-refiner-256/model.onnx\"] (every frame runs all of them)"

    /// `detail = "auto"`, `[]` or a list of stage paths; absent: `"auto"`.
    private static func parseDetail(_ t: TableReader) throws(ShowError) -> DetailChoice {
        guard let value = t.table["detail"] else { return .auto }
        switch value {
        case .string("auto"):
            return .auto
        case let .string(other):
            // A single path was accepted before "auto" existed; now a path goes in a list, so the string has one meaning.
            let forms = other.hasSuffix(".onnx") ? "a list, even for one stage: [\"\(other)\"]; or " + detailForms : detailForms
            throw t.invalid("detail", "\"\(other)\"", forms)
        case .array:
            let paths = try t.stringArray("detail", default: [])
            if paths.contains(where: \.isEmpty) || paths.count > 8 || paths.contains("auto") {
                throw t.invalid("detail", "\(paths)", detailForms)
            }
            return .stages(paths)
        default:
            throw ShowError.wrongType(file: t.file, line: t.line("detail"), key: t.qualified("detail"),
                                      expected: detailForms, found: TableReader.describe(value))
        }
    }

    private static func parseSchedule(_ t: TableReader) throws(ShowError) -> Schedule {
        var spans: [Schedule.Span] = []
        for text in try t.stringArray("open", default: []) {
            guard let span = Schedule.span(text) else {
                throw t.invalid("open", "\"\(text)\"", "spans like \"Tue-Sun 10:00-18:00\", \"Thu 10:00-21:00\", \"Mon,Wed 09:30-12:00\", \"daily 08:00-20:00\" or \"Fri-Sat 20:00-02:00\" (days Mon … Sun; 24-hour times)")
            }
            spans.append(span)
        }
        var closed = Set<LocalDate>()
        for text in try t.stringArray("closed", default: []) {
            guard let date = LocalDate(text) else { throw t.invalid("closed", "\"\(text)\"", "dates like \"2026-12-25\" (YYYY-MM-DD)") }
            closed.insert(date)
        }
        let zoneName = try t.string("timezone", default: "")
        var zone = TimeZone.current
        if !zoneName.isEmpty {
            guard let named = TimeZone(identifier: zoneName) else {
                throw t.invalid("timezone", "\"\(zoneName)\"", "an IANA time zone such as \"Europe/Paris\" or \"America/New_York\" (`timedatectl list-timezones` lists them); leave it out for the system's")
            }
            zone = named
        }
        let outside = try t.choice("outside", default: Schedule.Outside.black)
        let fade = try t.double("fade", default: 3, range: 0...600, allowed: "0 to 600 seconds")
        return Schedule(spans: spans, closedDates: closed, timeZone: zone, outside: outside, fade: fade)
    }

    /// `[remote]`: endpoints are `"host:port"` with an IP address (IPv6 in brackets) or `"off"`; `osc_allow` lists
    /// IPv4 addresses or CIDR blocks.
    private static func parseRemote(_ t: TableReader) throws(ShowError) -> RemoteSettings {
        var r = RemoteSettings()
        func endpoint(_ key: String, default fallback: String?, ipv6: Bool) throws(ShowError) -> String? {
            let text = try t.string(key, default: fallback ?? "off")
            if text == "off" { return nil }
            guard isEndpoint(text), ipv6 || !text.hasPrefix("[") else {
                throw t.invalid(key, "\"\(text.prefix(80))\"", "\"off\" or \"address:port\" with an \(ipv6 ? "IP" : "IPv4") address and a port 1 to 65535, e.g. \"127.0.0.1:8322\" or \"0.0.0.0:7000\"")
            }
            return text
        }
        r.listen = try endpoint("listen", default: r.listen, ipv6: true)
        r.oscListen = try endpoint("osc_listen", default: nil, ipv6: false)
        r.oscSend = try endpoint("osc_send", default: nil, ipv6: false)
        r.oscAllow = try t.stringArray("osc_allow", default: r.oscAllow)
        for block in r.oscAllow where !isIPv4Block(block) {
            throw t.invalid("osc_allow", "\"\(block.prefix(80))\"", "IPv4 addresses or CIDR blocks, e.g. [\"127.0.0.1\", \"10.0.0.0/8\"] (\"0.0.0.0/0\": anyone)")
        }
        return r
    }

    /// `a.b.c.d:port` or `[v6]:port`, port 1 to 65535.
    static func isEndpoint(_ text: String) -> Bool {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return false }
            port = rest.dropFirst()
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return false }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            guard IPv4.parse(String(host)) != nil else { return false }
        }
        guard let p = Int(port), (1...65535).contains(p) else { return false }
        return true
    }

    /// `a.b.c.d` or `a.b.c.d/n` (n 0 to 32), as the OSC receiver reads it (``IPv4/Block``).
    static func isIPv4Block(_ text: String) -> Bool { IPv4.Block(text) != nil }

    private static func parseTaste(_ t: TableReader) throws(ShowError) -> TasteSettings {
        var taste = TasteSettings()
        if t.has("file") {
            let file = try t.string("file", default: "")
            if file.isEmpty { throw t.invalid("file", "\"\"", "a path to a taste file written by `likeness curate`") }
            taste.file = file
        }
        taste.strength = try t.double("strength", default: taste.strength, range: 0...1, allowed: "0 to 1 (0 = off, 1 = only the faces the taste model is surest of)")
        taste.favourites = try t.double("favourites", default: taste.favourites, range: 0...1, allowed: "0 to 1 (the share of sitters that are favourites returning)")
        return taste
    }

    private static func parseMotion(_ t: TableReader) throws(ShowError) -> MotionSettings {
        var m = MotionSettings()
        let styleName = try t.string("style", default: "sitters")
        let styles = ["sitters", "drift", "loop"]
        guard styles.contains(styleName) else { throw t.invalid("style", "\"\(styleName)\"", styles.joined(separator: ", ")) }
        for (key, owner) in ExhibitionSchema.styleKeys where owner != styleName && t.has(key) {
            throw ShowError.keyNotApplicable(file: t.file, line: t.line(key), key: t.qualified(key),
                                             reason: "applies only to style = \"\(owner)\", but style is \"\(styleName)\"")
        }
        switch styleName {
        case "drift":
            m.style = .drift(secondsPerKeyframe: try t.double("seconds_per_keyframe", default: 8, range: 0.1...3600, allowed: "0.1 to 3600 seconds"))
        case "loop":
            m.style = .loop(keyframes: try t.int("keyframes", default: 6, range: 2...1000),
                            period: try t.double("period", default: 60, range: 0.1...86_400, allowed: "0.1 to 86400 seconds"))
        default:
            let hold = try t.double("hold", default: 6, range: 0...3600, allowed: "0 to 3600 seconds")
            let morph = try t.double("morph", default: 4, range: 0...3600, allowed: "0 to 3600 seconds (0 = hard cuts)")
            if hold + morph <= 0 { throw t.invalid("morph", "\(morph)", "more than 0 when hold is 0") }
            m.style = .sitters(hold: hold, morph: morph)
        }
        m.speed = try t.double("speed", default: 1, range: 0.01...100, allowed: "0.01 to 100 (1 = normal tempo)")
        m.truncation = try t.double("truncation", default: 0.8, range: 0.05...2, allowed: "0.05 to 2 (1 = untruncated)")
        return m
    }
}

// MARK: - TableReader

/// Typed, validated access to one TOML table, with key paths and line numbers for errors.
///
/// Lines come from the parser's positions: a key's own line, or the line of its table's header when
/// the key is missing (nil at the top level).
struct TableReader {
    let table: TOMLTable
    let path: String
    let file: String
    /// The line of this table's header (or `{`), nil for the top level.
    let tableLine: Int?
    let allowed: [String]

    func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    func line(_ key: String) -> Int? { table.position(of: key)?.line ?? tableLine }
    func has(_ key: String) -> Bool { table.contains(key) }

    /// Throws for the first key that the schema does not allow (in source order).
    func checkKeys() throws(ShowError) {
        let unknown = table.keys.filter { !allowed.contains($0) }
            .sorted { (table.position(of: $0) ?? Self.end) < (table.position(of: $1) ?? Self.end) }
        if let key = unknown.first {
            throw .unknownKey(file: file, line: line(key), key: qualified(key), allowed: allowed,
                              suggestion: Self.closest(to: key, in: allowed).map(qualified))
        }
    }

    private static let end = TOMLPosition(line: .max, column: .max)

    func invalid(_ key: String, _ value: String, _ allowedText: String) -> ShowError {
        .invalidValue(file: file, line: line(key), key: qualified(key), value: value, allowed: allowedText)
    }

    private func wrongType(_ key: String, expected: String, value: TOMLValue, line: Int? = nil) -> ShowError {
        .wrongType(file: file, line: line ?? self.line(key), key: qualified(key), expected: expected, found: Self.describe(value))
    }

    func table(_ key: String, allowed: [String]) throws(ShowError) -> TableReader? {
        guard let value = table[key] else { return nil }
        guard case let .table(sub) = value else { throw wrongType(key, expected: "a table ([\(qualified(key))])", value: value) }
        let reader = TableReader(table: sub, path: qualified(key), file: file, tableLine: sub.position.line, allowed: allowed)
        try reader.checkKeys()
        return reader
    }

    func tableArray(_ key: String, allowed: [String]) throws(ShowError) -> [TableReader]? {
        guard let value = table[key] else { return nil }
        guard case let .array(array) = value else {
            throw wrongType(key, expected: "an array of tables ([[\(qualified(key))]])", value: value)
        }
        var readers: [TableReader] = []
        for (i, element) in array.enumerated() {
            let elementLine = array.position(at: i)?.line
            guard case let .table(sub) = element else {
                throw wrongType("\(key)[\(i)]", expected: "a table ([[\(qualified(key))]])", value: element, line: elementLine)
            }
            let reader = TableReader(table: sub, path: "\(qualified(key))[\(i)]", file: file, tableLine: elementLine, allowed: allowed)
            try reader.checkKeys()
            readers.append(reader)
        }
        return readers
    }

    func string(_ key: String, default fallback: String) throws(ShowError) -> String {
        guard let value = table[key] else { return fallback }
        guard case let .string(s) = value else { throw wrongType(key, expected: "a string", value: value) }
        return s
    }

    /// An array of strings, e.g. `open = ["Tue-Sun 10:00-18:00"]` (a single string counts as one; `[]` is none).
    func stringArray(_ key: String, default fallback: [String]) throws(ShowError) -> [String] {
        guard let value = table[key] else { return fallback }
        if case let .string(single) = value { return [single] }
        guard case let .array(array) = value else {
            throw wrongType(key, expected: "an array of strings", value: value)
        }
        var strings: [String] = []
        for (i, element) in array.enumerated() {
            guard case let .string(s) = element else {
                throw wrongType(key, expected: "an array of strings", value: element, line: array.position(at: i)?.line)
            }
            strings.append(s)
        }
        return strings
    }

    func bool(_ key: String, default fallback: Bool) throws(ShowError) -> Bool {
        guard let value = table[key] else { return fallback }
        guard case let .boolean(b) = value else { throw wrongType(key, expected: "true or false", value: value) }
        return b
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ShowError) -> Int {
        guard let value = table[key] else { return fallback }
        guard case let .integer(whole) = value else { throw wrongType(key, expected: "a whole number", value: value) }
        let upper = range.upperBound == .max ? "or more" : "to \(range.upperBound)"
        guard let i = Int(exactly: whole), range.contains(i) else { throw invalid(key, "\(whole)", "\(range.lowerBound) \(upper)") }
        return i
    }

    func double(_ key: String, default fallback: Double, range: ClosedRange<Double>, allowed text: String) throws(ShowError) -> Double {
        guard let value = table[key] else { return fallback }
        let number: Double
        switch value {
        case let .float(d): number = d
        case let .integer(i): number = Double(i)
        default: throw wrongType(key, expected: "a number", value: value)
        }
        guard number.isFinite, range.contains(number) else { throw invalid(key, "\(number)", text) }
        return number
    }

    /// An instant: an RFC 3339 timestamp in a string (`epoch = "2025-01-01T00:00:00Z"`) or a TOML offset
    /// date-time (`epoch = 2026-12-24T18:00:00+01:00`). A local date-time (no offset) names no instant.
    func date(_ key: String, default fallback: Date) throws(ShowError) -> Date {
        guard let value = table[key] else { return fallback }
        let allowedText = "an RFC 3339 timestamp with an offset, e.g. \"2025-01-01T00:00:00Z\""
        let stamp: TOMLDateTime
        switch value {
        case let .dateTime(d):
            stamp = d
        case let .string(s):
            do {
                stamp = try TOMLDateTime(rfc3339: s)
            } catch {
                throw invalid(key, "\"\(s)\"", allowedText)
            }
        default:
            throw wrongType(key, expected: allowedText, value: value)
        }
        guard let seconds = stamp.secondsSince1970 else { throw invalid(key, "\(stamp) (no offset)", allowedText) }
        return Date(timeIntervalSince1970: Double(seconds) + Double(stamp.time.nanosecond) / 1e9)
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) throws(ShowError) -> T where T.RawValue == String {
        let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let raw = table[key] else { return fallback }
        // A number where a name belongs (`png_compression = 6`) is told the names, not only "a string".
        guard case let .string(name) = raw else { throw wrongType(key, expected: "one of the strings \(names)", value: raw) }
        guard let value = T(rawValue: name) else { throw invalid(key, "\"\(name)\"", names) }
        return value
    }

    func color(_ key: String, default fallback: RGBColor) throws(ShowError) -> RGBColor {
        let text = try string(key, default: fallback.description)
        guard let color = RGBColor(hex: text) else { throw invalid(key, "\"\(text)\"", "a colour as \"#rrggbb\", e.g. \"#000000\"") }
        return color
    }

    /// How a wrong value reads in a message: its TOML type and text.
    static func describe(_ value: TOMLValue) -> String {
        switch value {
        case let .string(s): return "a string \"\(s)\""
        case let .integer(i): return "a whole number \(i)"
        case let .float(d): return "a number \(d)"
        case let .boolean(b): return b ? "true" : "false"
        case let .dateTime(d): return "a date-time \(d)"
        case let .date(d): return "a date \(d)"
        case let .time(t): return "a time \(t)"
        case .table: return "a table"
        case .array: return "an array"
        }
    }

    /// The allowed key closest to `key` by edit distance, if it is close (a typo).
    static func closest(to key: String, in candidates: [String]) -> String? {
        let best = candidates.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
