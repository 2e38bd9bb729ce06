import LikenessTOML
import Testing

/// Parses `text`, failing the test with the parser's message if it throws.
func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> TOMLTable {
    do {
        return try TOMLDocument(parsing: text).root
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The error `text` gives (nil when it parses).
func failure(_ text: String) -> TOMLError? {
    do {
        _ = try TOMLDocument(parsing: text)
        return nil
    } catch {
        return error
    }
}

// MARK: - Values

@Suite struct TOMLValueTests {
    @Test(arguments: [
        (#"a = "tab\there \"q\" \\ \u00e9 \U0001F600""#, "tab\there \"q\" \\ é 😀"),
        (#"a = 'C:\path\no escapes'"#, #"C:\path\no escapes"#),
        ("a = \"\"\"\nfirst\nsecond\"\"\"", "first\nsecond"),
        ("a = \"\"\"one \\\n    two \\\n\n  three\"\"\"", "one two three"),
        ("a = \"\"\"quotes \"\" inside\"\"\"\"\"", "quotes \"\" inside\"\""),
        ("a = '''\nraw \\n ''keep'' '''", "raw \\n ''keep'' "),
        ("a = \"\"\"crlf\r\nline\"\"\"", "crlf\nline"),
        ("a = \"\"", ""),
    ])
    func strings(text: String, expected: String) throws {
        #expect(try parse(text)["a"] == .string(expected))
    }

    @Test(arguments: [
        ("a = 42", Int64(42)), ("a = +17", 17), ("a = -0", 0), ("a = 1_000_000", 1_000_000),
        ("a = 0xDEAD_beef", 0xDEAD_BEEF), ("a = 0o755", 0o755), ("a = 0b1101", 13),
        ("a = 9223372036854775807", Int64.max), ("a = -9223372036854775808", Int64.min),
        ("a = 0x7FFFFFFFFFFFFFFF", Int64.max),
    ])
    func integers(text: String, expected: Int64) throws {
        #expect(try parse(text)["a"] == .integer(expected))
    }

    @Test(arguments: [
        ("a = 3.1415", 3.1415), ("a = -0.01", -0.01), ("a = 5e+22", 5e22), ("a = 1E6", 1e6), ("a = -2E-2", -0.02),
        ("a = 6.626e-34", 6.626e-34), ("a = 224_617.445_991", 224_617.445_991), ("a = 1e0_1", 10),
        ("a = inf", .infinity), ("a = +inf", .infinity), ("a = -inf", -.infinity), ("a = 0e0", 0),
    ])
    func floats(text: String, expected: Double) throws {
        #expect(try parse(text)["a"] == .float(expected))
    }

    @Test func nanIsAFloat() throws {
        for text in ["a = nan", "a = +nan", "a = -nan"] {
            #expect(try parse(text)["a"]?.floatValue?.isNaN == true)
        }
    }

    @Test func booleans() throws {
        let t = try parse("yes = true\nno = false")
        #expect(t["yes"] == .boolean(true))
        #expect(t["no"] == .boolean(false))
    }

    @Test func datesAndTimes() throws {
        let t = try parse("""
        odt1 = 1979-05-27T07:32:00Z
        odt2 = 1979-05-27T00:32:00.999999-07:00
        odt3 = 1979-05-27 07:32:00+05:30
        ldt = 1979-05-27T07:32:00.5
        ld = 1979-05-27
        lt = 00:32:00.999999999999
        leap = 2024-02-29
        """)
        #expect(t["odt1"]?.dateTimeValue?.description == "1979-05-27T07:32:00Z")
        #expect(t["odt1"]?.dateTimeValue?.secondsSince1970 == 296_638_320)
        #expect(t["odt2"]?.dateTimeValue?.secondsSince1970 == 296_638_320)
        #expect(t["odt2"]?.dateTimeValue?.time.nanosecond == 999_999_000)
        #expect(t["odt3"]?.dateTimeValue?.offsetMinutes == 330)
        #expect(t["ldt"]?.dateTimeValue?.offsetMinutes == nil)
        #expect(t["ldt"]?.dateTimeValue?.secondsSince1970 == nil)
        #expect(t["ldt"]?.typeName == "datetime-local")
        #expect(t["ld"] == .date(TOMLDate(year: 1979, month: 5, day: 27)!))
        #expect(t["lt"]?.timeValue?.nanosecond == 999_999_999)
        #expect(t["leap"]?.dateValue?.day == 29)
    }

    @Test func daysSince1970MatchesKnownDates() {
        #expect(TOMLDate(year: 1970, month: 1, day: 1)?.daysSince1970 == 0)
        #expect(TOMLDate(year: 2000, month: 3, day: 1)?.daysSince1970 == 11_017)
        #expect(TOMLDate(year: 1969, month: 12, day: 31)?.daysSince1970 == -1)
        #expect(TOMLDate(year: 0, month: 1, day: 1)?.daysSince1970 == -719_528)
    }

    @Test func rfc3339Timestamps() throws {
        let epoch = try TOMLDateTime(rfc3339: "2025-01-01T00:00:00Z")
        #expect(epoch.secondsSince1970 == 1_735_689_600)
        #expect(try TOMLDateTime(rfc3339: "2026-12-24T18:00:00+01:00").secondsSince1970 == 1_798_131_600)
        #expect(throws: TOMLError.self) { try TOMLDateTime(rfc3339: "2025-01-01T00:00:00") }
        #expect(throws: TOMLError.self) { try TOMLDateTime(rfc3339: "2025-01-01") }
        #expect(throws: TOMLError.self) { try TOMLDateTime(rfc3339: "2025-01-01T00:00:00Z trailing") }
        #expect(throws: TOMLError.self) { try TOMLDateTime(rfc3339: "") }
    }

    @Test func arraysMayMixTypesSpanLinesAndEndWithAComma() throws {
        let t = try parse("""
        a = [
          1, "two", # a comment
          [3.0, []],
          { x = 4 },
        ]
        """)
        let array = try #require(t["a"]?.arrayValue)
        #expect(array.count == 4)
        #expect(array[0] == .integer(1))
        #expect(array[1] == .string("two"))
        #expect(array[2].arrayValue?.count == 2)
        #expect(array[3].tableValue?["x"] == .integer(4))
        #expect(array.position(at: 2) == TOMLPosition(line: 3, column: 3))
    }
}

// MARK: - Tables and keys

@Suite struct TOMLTableTests {
    @Test func keysKeepSourceOrder() throws {
        let t = try parse("z = 1\na = 2\n[m]\n[b]\n")
        #expect(t.keys == ["z", "a", "m", "b"])
    }

    @Test func quotedAndDottedKeys() throws {
        let t = try parse(#"""
        "key with spaces" = 1
        'literal.key' = 2
        site."google.com" = true
        a . b . c = 3
        "" = 4
        """#)
        #expect(t["key with spaces"] == .integer(1))
        #expect(t["literal.key"] == .integer(2))
        #expect(t["site"]?.tableValue?["google.com"] == .boolean(true))
        #expect(t["a"]?.tableValue?["b"]?.tableValue?["c"] == .integer(3))
        #expect(t[""] == .integer(4))
    }

    @Test func headersArraysOfTablesAndInlineTables() throws {
        let t = try parse("""
        [fruit]
        apple.color = "red"
        [fruit.apple.texture]
        smooth = true
        [[screens]]
        name = "a"
        [screens.extra]
        x = 1
        [[screens]]
        name = "b"
        [point]
        at = { x = 1, y.z = 2 }
        """)
        #expect(t["fruit"]?.tableValue?["apple"]?.tableValue?["texture"]?.tableValue?["smooth"] == .boolean(true))
        let screens = try #require(t["screens"]?.arrayValue)
        #expect(screens.count == 2)
        #expect(screens[0].tableValue?["extra"]?.tableValue?["x"] == .integer(1))
        #expect(screens[1].tableValue?["name"] == .string("b"))
        #expect(screens.position(at: 1)?.line == 9)
        #expect(t["point"]?.tableValue?["at"]?.tableValue?["y"]?.tableValue?["z"] == .integer(2))
    }

    @Test func superTableAfterSubTable() throws {
        let t = try parse("[a.b.c]\nanswer = 42\n[a]\nbetter = 43\n")
        #expect(t["a"]?.tableValue?["better"] == .integer(43))
        #expect(t["a"]?.tableValue?["b"]?.tableValue?["c"]?.tableValue?["answer"] == .integer(42))
    }

    @Test func positionsOfKeysValuesAndTables() throws {
        let t = try parse("title = \"x\"\n\n[motion]  # c\n  style   = \"drift\"\n[[screens]]\nseed = 1\n[[screens]]\n")
        #expect(t.position(of: "title") == TOMLPosition(line: 1, column: 1))
        #expect(t.valuePosition(of: "title") == TOMLPosition(line: 1, column: 9))
        #expect(t.position(of: "motion") == TOMLPosition(line: 3, column: 2))
        let motion = try #require(t["motion"]?.tableValue)
        #expect(motion.position == TOMLPosition(line: 3, column: 1))
        #expect(motion.position(of: "style") == TOMLPosition(line: 4, column: 3))
        #expect(motion.valuePosition(of: "style") == TOMLPosition(line: 4, column: 13))
        #expect(t.position(of: "screens")?.line == 5)
        #expect(t["screens"]?.arrayValue?.position(at: 1)?.line == 7)
        #expect(t["screens"]?.arrayValue?[1].tableValue?.position.line == 7)
    }

    @Test func columnsCountCharactersNotBytes() {
        let error = failure("title = \"Likeness — diptych\" x")
        #expect(error?.position == TOMLPosition(line: 1, column: 30))
    }

    @Test func equalityIgnoresOrderAndPositions() throws {
        #expect(try parse("a = 1\nb = 2") == parse("b = 2\n\n\na = 1"))
        #expect(try parse("a = 1") != parse("a = 2"))
    }
}

// MARK: - Rules

@Suite struct TOMLRuleTests {
    /// Invalid documents, each with the position and a piece of the message it must give.
    @Test(arguments: [
        ("a = 1\na = 2", 2, 1, "defined twice"),
        ("[a]\n[a]", 2, 2, "defined twice"),
        ("[a.b]\n[a]\n[a]", 3, 2, "defined twice"),
        ("a.b = 1\n[a.b]", 2, 4, "already has a value"),
        ("a.b.c = 1\n[a.b]", 2, 4, "dotted keys"),
        ("a.b = 1\n[a]", 2, 2, "dotted keys"),
        ("[fruit]\napple.color = 1\n[fruit.apple]", 3, 8, "dotted keys"),
        ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 1, "header"),
        ("[[a.b]]\n[a]\nb.y = 2", 3, 1, "array of tables"),
        ("a = {}\n[a]", 2, 2, "inline table"),
        ("a = {b = 1}\na.c = 2", 2, 1, "inline table"),
        ("a = {b = {c = 1}, b.d = 2}", 1, 19, "inline table"),
        ("a = []\n[[a]]", 2, 3, "[ ]"),
        ("[a]\n[[a]]", 2, 3, "already a table"),
        ("[[a]]\n[a]", 2, 2, "array of tables"),
        ("a = 1\na.b = 2", 2, 1, "already has a value"),
        ("a = 1\n[a.b]", 2, 2, "already has a value"),
        ("a = {x = 1,}", 1, 12, "trailing comma"),
        ("a = {\nx = 1}", 1, 6, "expected a key"),
        ("a = 07", 1, 5, "leading zeros"),
        ("a = 1__0", 1, 6, "underscore"),
        ("a = -0x1", 1, 5, "sign"),
        ("a = 1.", 1, 7, "digit after"),
        ("a = .5", 1, 5, "expected a value"),
        ("a = 2021-02-29", 1, 5, "no such day"),
        ("a = 07:32", 1, 10, "seconds are required"),
        ("a = 1979-05-27T07:32:00+24:00", 1, 25, "offset"),
        ("a = \"\\x41\"", 1, 6, "invalid escape"),
        ("a = drift", 1, 5, "strings need quotes"),
        ("a = True", 1, 5, "strings need quotes"),
        ("a = none", 1, 5, "strings need quotes"),
        ("a = infinite", 1, 5, "invalid number"),
        ("a = 1 b = 2", 1, 7, "expected a new line"),
        ("[a]b = 1", 1, 4, "expected a new line"),
        ("= 1", 1, 1, "expected a key"),
        ("a = [1,\n2,\n", 1, 5, "not closed"),
        ("x = 1\na = \"\"\"\nabc", 2, 5, "not closed"),
        ("x = 1\na = \"abc\nb = 1", 2, 9, "not closed"),
        ("a =", 1, 4, "expected a value"),
        ("a", 1, 2, "expected '='"),
        ("a = \"\"\"a\"\"\"\"\"\"", 1, 9, "too many quotes"),
    ] as [(String, Int, Int, String)])
    func invalidDocument(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(failure(text), "accepted: \(text)")
        #expect(error.position == TOMLPosition(line: line, column: column), "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }
}
