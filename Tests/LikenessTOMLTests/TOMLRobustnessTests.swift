import LikenessTOML
import Testing

// MARK: - No input traps

/// Inputs that once crashed a TOML parser, or easily could: each must be a thrown `TOMLError` with a
/// position, never a trap. (TOMLKit's toml++ aborted on a line holding only `[`, `[[` or `[.]`.)
@Suite struct TOMLRobustnessTests {
    static let brokenHeaders = ["[", "[[", "[.]", "[\n", "[[\n", "[]", "[[]]", "[a.]", "[.a]", "[a..b]", "[a", "[[a]",
                                "[[a] ]", "[ [a]]", "title = 1\n[", "[a]\n[", "[\"a", "['a", "[\"\"\"a\"\"\"]", "]", "]]", "[a]]"]

    @Test(arguments: brokenHeaders)
    func brokenHeaderIsAnError(text: String) {
        #expect(failure(text) != nil, "accepted: \(text.debugDescription)")
    }

    @Test func loneBracketSaysWhereAndWhat() throws {
        let error = try #require(failure("title = \"x\"\n["))
        #expect(error.position == TOMLPosition(line: 2, column: 2))
        #expect(error.message.contains("table name"))
    }

    @Test(arguments: [
        "a = 99999999999999999999", "a = 9223372036854775808", "a = -9223372036854775809",
        "a = 0xFFFFFFFFFFFFFFFFF", "a = 0x8000000000000000", "a = 0o1777777777777777777777", "a = 0b" + String(repeating: "1", count: 64),
        "a = 1e999", "a = -1e400", "a = " + String(repeating: "9", count: 5000),
        "a = " + String(repeating: "9", count: 400) + ".0",
    ])
    func hugeNumberIsAnError(text: String) throws {
        let error = try #require(failure(text), "accepted: \(text.prefix(40))")
        #expect(error.message.contains("out of range"), "\(error)")
    }

    @Test func deepNestingIsRefusedNotRecursedInto() throws {
        let limit = TOMLDocument.maximumDepth
        let ok = "a = " + String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(failure(ok) == nil)
        for depth in [limit + 1, 10_000, 200_000] {
            let arrays = "a = " + String(repeating: "[", count: depth)
            let error = try #require(failure(arrays))
            #expect(error.message.contains("nested more than"), "\(error)")
            #expect(error.position == TOMLPosition(line: 1, column: 5 + limit))
            #expect(failure("a = " + String(repeating: "{b = ", count: depth)) != nil)
            #expect(failure("a = " + String(repeating: "[{b = ", count: depth)) != nil)
            #expect(failure("[" + Array(repeating: "a", count: depth).joined(separator: ".") + "]") != nil)
            #expect(failure(Array(repeating: "a", count: depth).joined(separator: ".") + " = 1") != nil)
        }
        let deepest = "[" + Array(repeating: "t", count: limit).joined(separator: ".") + "]\n"
        #expect(failure(deepest + "a = 1") == nil)
        #expect(failure(deepest + "a.b = 1")?.message.contains("nested more than") == true)
        #expect(failure(deepest + "a = []")?.message.contains("nested more than") == true)
    }

    @Test(arguments: [
        [0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xE2, 0x82], Array("a = \"".utf8) + [0xC3], Array("# é\n".utf8) + [0x80], [0xFE, 0xFF, 0x00, 0x61],
    ] as [[UInt8]])
    func invalidUTF8IsAnError(bytes: [UInt8]) throws {
        let error = try #require(failure(bytes))
        #expect(error.message.contains("UTF-8"), "\(error)")
    }

    @Test func utf8ByteOrderMarkIsSkippedAtTheStartOnly() throws {
        #expect(try TOMLDocument(utf8: [0xEF, 0xBB, 0xBF] + Array("a = 1".utf8))["a"] == .integer(1))
        #expect(failure(Array("a = 1\n".utf8) + [0xEF, 0xBB, 0xBF]) != nil)
    }

    @Test(arguments: [
        #"a = "\uD800""#, #"a = "\uDFFF""#, #"a = "\U00110000""#, #"a = "\UFFFFFFFF""#, #"a = "\u12""#, #"a = "\u""#,
        #"a = "\U0001F60""#, #"a = """\uD834""""#, "a = \"\\", "a = \"\"\"\\",
    ])
    func badUnicodeEscapeIsAnError(text: String) {
        #expect(failure(text) != nil, "accepted: \(text)")
    }

    @Test(arguments: ["\0", "a = \"\0\"", "a = '\0'", "a = \"\"\"\0\"\"\"", "# \0", "a\0 = 1", "a = 1\0", "[a\0]", "a = [\0]", "\u{7F}",
                      "a = 1\r", "a = \"x\ry\"", "# comment\r", "\r\n\r", "a = \"\"\"\r\"\"\"", "a = {\0}"])
    func controlCharacterIsAnError(text: String) {
        #expect(failure(text) != nil, "accepted: \(text.debugDescription)")
    }

    @Test(arguments: ["a = \"", "a = '", "a = \"\"\"", "a = '''", "a = [", "a = [1,", "a = {", "a = {b", "a = {b =", "a = {b = 1",
                      "\"", "'", "a.", "a.\"b", "a = 1979-", "a = 1979-05-27T", "a = 1979-05-27T07:32:00+", "a = 0x", "a = +",
                      "a = -", "a = t", "a = f", "a = i", "a = n", "a = 1e", "a = 1.0e+", "a = 12:", "a = \"\"\"\"", "a = '''''"])
    func truncatedInputIsAnError(text: String) {
        #expect(failure(text) != nil, "accepted: \(text.debugDescription)")
    }

    @Test func everyPrefixOfAValidDocumentParsesOrThrows() {
        let document = Array("""
        title = "Likeness — a \\"test\\" \\u00e9"
        [motion]
        style = 'drift'   # comment
        when = 1979-05-27T07:32:00.5+01:00
        list = [1, 2.5e3, [true], { a.b = 0x1F }]
        [[screens]]
        text = \"\"\"
        multi \\
          line\"\"\"
        """.utf8)
        for length in 0...document.count {
            _ = failure(Array(document.prefix(length)))
        }
    }
}

/// The error bytes give (nil when they parse).
func failure(_ bytes: [UInt8]) -> TOMLError? {
    do {
        _ = try TOMLDocument(utf8: bytes)
        return nil
    } catch {
        return error
    }
}
