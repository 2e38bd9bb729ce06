import LikenessShow

// MARK: - ExhibitionFuzzTarget

/// The exhibition loader: TOML parsing and validation of every key (`Exhibition.parse(utf8:file:)`).
///
/// Every error must be a `ShowError` whose message is one line with a hint.
public struct ExhibitionFuzzTarget: FuzzTarget {
    public let name = "exhibition"
    public let fileExtension = "toml"
    public let maximumLength = 8192

    public init() {}

    public let dictionary: [[UInt8]] = {
        let syntax = ["[", "]", "[[", "]]", "{", "}", "=", " = ", ".", ",", "\"", "'", "\"\"\"", "'''", "#", "\n", "\r\n", "\r", "\t",
                      "\\", "\\n", "\\u", "\\u00e9", "\\uD800", "\\U0010FFFF", "\\U00110000", "\u{0}", "\u{7F}", "é", "—", "\u{FEFF}",
                      "true", "false", "inf", "-inf", "nan", "-0", "+1", "0x", "0o", "0b", "_", "1e308", "1e309", "0.5", "1_000",
                      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
                      "1979-05-27T07:32:00Z", "1979-05-27 07:32:00.999+01:00", "1979-05-27", "07:32:00", "2024-02-30",
                      "[motion]", "[output]", "[window]", "[model]", "[record]", "[show]", "[schedule]", "[taste]", "[[screens]]",
                      "[motion.style]", "a.b.c", "\"Tue-Sun 10:00-18:00\"", "\"Fri-Sat 20:00-02:00\"", "\"2026-12-25\"", "\"Europe/Paris\"",
                      "\"2025-01-01T00:00:00Z\"", "\"card\"",
                      "\"sitters\"", "\"drift\"", "\"loop\"", "\"contain\"", "\"#000000\"", "\"lanczos\"", "[]", "{}", "[[]]"]
        let keys = [ExhibitionSchema.topLevel, ExhibitionSchema.model, ExhibitionSchema.motion, ExhibitionSchema.output,
                    ExhibitionSchema.window, ExhibitionSchema.record, ExhibitionSchema.show, ExhibitionSchema.schedule,
                    ExhibitionSchema.taste, ExhibitionSchema.screen].flatMap { $0 }
        return (syntax + keys).map { Array($0.utf8) }
    }()

    public func run(_ input: [UInt8]) -> FuzzOutcome {
        do {
            _ = try Exhibition.parse(utf8: input, file: "fuzz.toml")
            return .accepted
        } catch {
            let message = error.description
            if let broken = check(message: message, hint: "hint:") { return broken }
            if case .syntax = error { return .rejectedEarly(message: message) }
            return .rejectedLate(message: message)
        }
    }
}
