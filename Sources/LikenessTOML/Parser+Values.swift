// MARK: - Strings

extension Parser {
    /// `"basic"`: escapes, one line.
    mutating func parseBasicString() throws(TOMLError) -> String {
        let open = position(at: index)
        index += 1
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("the string opened at \(open) is not closed; end it with \"") }
            switch byte {
            case ASCII.quote:
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case ASCII.backslash:
                try parseEscape(into: &buffer)
            case ASCII.lineFeed, ASCII.carriageReturn:
                throw error("the string opened at \(open) is not closed on its line; end it with \", or use \"\"\" for a multi-line string")
            case _ where ASCII.isControl(byte):
                throw error("\(found()) must be escaped in a string (as \\u\(hex4(UInt32(byte))))")
            default:
                buffer.append(byte)
                index += 1
            }
        }
    }

    /// `"""multi-line basic"""`: escapes, line ends, a line-ending backslash that trims what follows.
    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let open = position(at: index)
        index += 3
        skipNewlineAfterOpeningDelimiter()
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("the multi-line string is not closed: end it with \"\"\" before the end of the file", at: open) }
            switch byte {
            case ASCII.quote:
                if try closeQuoteRun(ASCII.quote, into: &buffer) { return String(decoding: buffer, as: UTF8.self) }
            case ASCII.backslash:
                if isLineEndingBackslash() {
                    index += 1
                    while let next = peek() {
                        if next == ASCII.space || next == ASCII.tab || next == ASCII.lineFeed {
                            index += 1
                        } else if next == ASCII.carriageReturn, peek(1) == ASCII.lineFeed {
                            index += 2
                        } else {
                            break
                        }
                    }
                } else {
                    try parseEscape(into: &buffer)
                }
            default:
                try appendMultilineByte(byte, into: &buffer, escapeHint: true)
            }
        }
    }

    /// `'literal'`: no escapes, one line.
    mutating func parseLiteralString() throws(TOMLError) -> String {
        let open = position(at: index)
        index += 1
        let start = index
        while true {
            guard let byte = peek() else { throw error("the string opened at \(open) is not closed; end it with '") }
            switch byte {
            case ASCII.apostrophe:
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            case ASCII.lineFeed, ASCII.carriageReturn:
                throw error("the string opened at \(open) is not closed on its line; end it with ', or use ''' for a multi-line string")
            case _ where ASCII.isControl(byte):
                throw error("\(found()) is not allowed in a literal string; use a \"basic\" string with an escape")
            default:
                index += 1
            }
        }
    }

    /// `'''multi-line literal'''`: no escapes.
    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let open = position(at: index)
        index += 3
        skipNewlineAfterOpeningDelimiter()
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("the multi-line string is not closed: end it with ''' before the end of the file", at: open) }
            if byte == ASCII.apostrophe {
                if try closeQuoteRun(ASCII.apostrophe, into: &buffer) { return String(decoding: buffer, as: UTF8.self) }
            } else {
                try appendMultilineByte(byte, into: &buffer, escapeHint: false)
            }
        }
    }

    /// A newline right after `"""` or `'''` is not part of the string.
    private mutating func skipNewlineAfterOpeningDelimiter() {
        if peek() == ASCII.lineFeed {
            index += 1
        } else if peek() == ASCII.carriageReturn, peek(1) == ASCII.lineFeed {
            index += 2
        }
    }

    /// One byte of a multi-line string body; CRLF becomes LF.
    private mutating func appendMultilineByte(_ byte: UInt8, into buffer: inout [UInt8], escapeHint: Bool) throws(TOMLError) {
        if byte == ASCII.carriageReturn {
            guard peek(1) == ASCII.lineFeed else {
                throw error("a carriage return (U+000D) without a line feed is not allowed in a string")
            }
            buffer.append(ASCII.lineFeed)
            index += 2
            return
        }
        if ASCII.isControl(byte), byte != ASCII.lineFeed {
            throw error("\(found()) is not allowed in a string" + (escapeHint ? " (write it as \\u\(hex4(UInt32(byte))))" : ""))
        }
        buffer.append(byte)
        index += 1
    }

    /// At a run of quote bytes inside a multi-line string: 1 or 2 are content; 3 to 5 close the string, the
    /// ones before the last three being content; 6 or more are an error. Returns whether the string closed.
    private mutating func closeQuoteRun(_ quote: UInt8, into buffer: inout [UInt8]) throws(TOMLError) -> Bool {
        var run = 0
        while peek(run) == quote { run += 1 }
        if run < 3 {
            buffer.append(contentsOf: repeatElement(quote, count: run))
            index += run
            return false
        }
        guard run <= 5 else {
            throw error("too many quotes in a row at the end of a multi-line string (at most two before the closing three); escape some")
        }
        buffer.append(contentsOf: repeatElement(quote, count: run - 3))
        index += run
        return true
    }

    /// Whether the backslash at `index` ends its line (only spaces or tabs follow it on the line).
    private func isLineEndingBackslash() -> Bool {
        var at = index + 1
        while at < bytes.count, bytes[at] == ASCII.space || bytes[at] == ASCII.tab { at += 1 }
        guard at < bytes.count else { return false }
        return bytes[at] == ASCII.lineFeed
            || (bytes[at] == ASCII.carriageReturn && at + 1 < bytes.count && bytes[at + 1] == ASCII.lineFeed)
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX` at `index` (a backslash).
    private mutating func parseEscape(into buffer: inout [UInt8]) throws(TOMLError) {
        let start = index
        guard let letter = peek(1) else { throw error("the string ends inside an escape") }
        index += 2
        let simple: UInt8?
        switch letter {
        case ASCII.lowerB: simple = 0x08
        case ASCII.lowerT: simple = ASCII.tab
        case ASCII.lowerN: simple = ASCII.lineFeed
        case ASCII.lowerF: simple = 0x0C
        case ASCII.lowerR: simple = ASCII.carriageReturn
        case ASCII.quote: simple = ASCII.quote
        case ASCII.backslash: simple = ASCII.backslash
        case ASCII.lowerU, ASCII.upperU: simple = nil
        default:
            index = start + 1
            throw error("invalid escape '\\' followed by \(found()) (allowed: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX; write \\\\ for a backslash)", at: start)
        }
        if let simple {
            buffer.append(simple)
            return
        }
        let count = letter == ASCII.lowerU ? 4 : 8
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let byte = peek(), let digit = ASCII.hexValue(byte) else {
                throw error("\\\(letter == ASCII.lowerU ? "u" : "U") needs exactly \(count) hexadecimal digits, found \(found())")
            }
            value = value << 4 | digit
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error("the escape for \(ASCII.codePoint(value)) is not a Unicode scalar value (surrogates D800–DFFF and values above 10FFFF are not characters)", at: start)
        }
        UTF8.encode(scalar) { buffer.append($0) }
    }

    private func hex4(_ value: UInt32) -> String { String(ASCII.codePoint(value).dropFirst(2)) }
}

// MARK: - Numbers, dates and times

extension Parser {
    /// Integers, floats, `inf`/`nan`, offset and local date-times, dates and times: one token, classified.
    mutating func parseNumberOrDate() throws(TOMLError) -> TOMLValue {
        let start = index
        var end = index
        while end < bytes.count, Self.isTokenByte(bytes[end]) { end += 1 }
        // `1979-05-27 07:32:00`: a space may separate a date from its time.
        if end - start == 10, looksLikeDate(start, end),
           end + 3 < bytes.count, bytes[end] == ASCII.space, ASCII.isDigit(bytes[end + 1]), ASCII.isDigit(bytes[end + 2]),
           bytes[end + 3] == ASCII.colon {
            end += 1
            while end < bytes.count, Self.isTokenByte(bytes[end]) { end += 1 }
        }
        index = end
        if looksLikeDate(start, end) { return try parseDateTime(start, end) }
        if end - start >= 3, ASCII.isDigit(bytes[start]), ASCII.isDigit(bytes[start + 1]), bytes[start + 2] == ASCII.colon {
            var at = start
            let time = try parseTime(&at, end, token: (start, end))
            guard at == end else { throw invalid("time", start, end, at: at) }
            return .time(time)
        }
        return try parseNumber(start, end)
    }

    private static func isTokenByte(_ b: UInt8) -> Bool {
        ASCII.isBareKey(b) || b == ASCII.plus || b == ASCII.dot || b == ASCII.colon
    }

    private func looksLikeDate(_ start: Int, _ end: Int) -> Bool {
        end - start >= 5 && (start..<start + 4).allSatisfy { ASCII.isDigit(bytes[$0]) } && bytes[start + 4] == ASCII.minus
    }

    private func text(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }

    private mutating func invalid(_ kind: String, _ start: Int, _ end: Int, at offset: Int, _ detail: String = "") -> TOMLError {
        error("invalid \(kind) '\(text(start, end))'\(detail.isEmpty ? "" : ": " + detail)", at: offset)
    }

    // MARK: Numbers

    private mutating func parseNumber(_ start: Int, _ end: Int) throws(TOMLError) -> TOMLValue {
        var at = start
        var negative = false
        let signed = bytes[at] == ASCII.plus || bytes[at] == ASCII.minus
        if signed {
            negative = bytes[at] == ASCII.minus
            at += 1
        }
        let rest = text(at, end)
        if rest == "inf" { return .float(negative ? -.infinity : .infinity) }
        if rest == "nan" { return .float(negative ? -.nan : .nan) }
        if end - at >= 2, bytes[at] == ASCII.zero, [ASCII.lowerX, ASCII.lowerO, ASCII.lowerB].contains(bytes[at + 1]) {
            guard !signed else {
                throw invalid("integer", start, end, at: start, "hexadecimal, octal and binary integers cannot have a sign")
            }
            let radix: Int64 = bytes[at + 1] == ASCII.lowerX ? 16 : bytes[at + 1] == ASCII.lowerO ? 8 : 2
            return .integer(try parsePrefixedInteger(start, end, radix: radix))
        }
        // Decimal: an integer part, then an optional fraction and exponent (either makes it a float).
        let integerStart = at
        try scanDigits(&at, end, token: (start, end))
        if bytes[integerStart] == ASCII.zero, at - integerStart > 1 {
            throw invalid("number", start, end, at: integerStart, "leading zeros are not allowed (write 7, not 07)")
        }
        var isFloat = false
        if at < end, bytes[at] == ASCII.dot {
            isFloat = true
            at += 1
            try scanDigits(&at, end, token: (start, end), after: "the '.'")
        }
        if at < end, bytes[at] == ASCII.lowerE || bytes[at] == ASCII.upperE {
            isFloat = true
            at += 1
            if at < end, bytes[at] == ASCII.plus || bytes[at] == ASCII.minus { at += 1 }
            try scanDigits(&at, end, token: (start, end), after: "the exponent")
        }
        guard at == end else { throw invalid("number", start, end, at: at) }
        if isFloat {
            let digits = String(decoding: bytes[start..<end].filter { $0 != ASCII.underscore }, as: UTF8.self)
            guard let value = Double(digits), value.isFinite else {
                throw invalid("float", start, end, at: start, "out of range (at most about 1.8e308)")
            }
            return .float(value)
        }
        var value: Int64 = 0
        for byte in bytes[integerStart..<end] where byte != ASCII.underscore {
            let digit = Int64(byte - ASCII.zero)
            let scaled = value.multipliedReportingOverflow(by: 10)
            let next = negative ? scaled.partialValue.subtractingReportingOverflow(digit)
                                : scaled.partialValue.addingReportingOverflow(digit)
            guard !scaled.overflow, !next.overflow else { throw integerOutOfRange(start, end) }
            value = next.partialValue
        }
        return .integer(value)
    }

    private mutating func integerOutOfRange(_ start: Int, _ end: Int) -> TOMLError {
        invalid("integer", start, end, at: start, "out of range (\(Int64.min) to \(Int64.max))")
    }

    /// `0x…`, `0o…`, `0b…`; `start` is at the `0`.
    private mutating func parsePrefixedInteger(_ start: Int, _ end: Int, radix: Int64) throws(TOMLError) -> Int64 {
        var at = start + 2
        var value: Int64 = 0
        var previousWasDigit = false
        guard at < end else { throw invalid("integer", start, end, at: at, "digits must follow the prefix") }
        while at < end {
            let byte = bytes[at]
            if byte == ASCII.underscore {
                guard previousWasDigit, at + 1 < end else {
                    throw invalid("integer", start, end, at: at, "an underscore must be between two digits")
                }
                previousWasDigit = false
                at += 1
                continue
            }
            guard let digit = ASCII.hexValue(byte).map(Int64.init), digit < radix else {
                throw invalid("integer", start, end, at: at, "'\(Character(Unicode.Scalar(byte)))' is not a base-\(radix) digit")
            }
            let scaled = value.multipliedReportingOverflow(by: radix)
            let next = scaled.partialValue.addingReportingOverflow(digit)
            guard !scaled.overflow, !next.overflow else { throw integerOutOfRange(start, end) }
            value = next.partialValue
            previousWasDigit = true
            at += 1
        }
        return value
    }

    /// One or more decimal digits, with single underscores between digits.
    private mutating func scanDigits(_ at: inout Int, _ end: Int, token: (Int, Int), after: String = "") throws(TOMLError) {
        guard at < end, ASCII.isDigit(bytes[at]) else {
            throw invalid("number", token.0, token.1, at: at, after.isEmpty ? "expected a digit" : "expected a digit after \(after)")
        }
        while at < end {
            if ASCII.isDigit(bytes[at]) {
                at += 1
            } else if bytes[at] == ASCII.underscore {
                guard at + 1 < end, ASCII.isDigit(bytes[at + 1]) else {
                    throw invalid("number", token.0, token.1, at: at, "an underscore must be between two digits")
                }
                at += 1
            } else {
                return
            }
        }
    }

    // MARK: Dates and times

    /// `YYYY-MM-DD`, optionally followed by `T`/space and a time, optionally followed by `Z` or `±HH:MM`.
    private mutating func parseDateTime(_ start: Int, _ end: Int) throws(TOMLError) -> TOMLValue {
        var at = start
        let year = try fixedDigits(&at, end, 4, token: (start, end), kind: "date")
        try expect(ASCII.minus, &at, end, token: (start, end), kind: "date")
        let month = try fixedDigits(&at, end, 2, token: (start, end), kind: "date")
        try expect(ASCII.minus, &at, end, token: (start, end), kind: "date")
        let day = try fixedDigits(&at, end, 2, token: (start, end), kind: "date")
        guard let date = TOMLDate(year: year, month: month, day: day) else {
            throw invalid("date", start, end, at: start, "there is no such day (months 01–12, days within the month)")
        }
        if at == end { return .date(date) }
        guard [ASCII.upperT, ASCII.lowerT, ASCII.space].contains(bytes[at]) else {
            throw invalid("date-time", start, end, at: at, "expected 'T' between the date and the time")
        }
        at += 1
        let time = try parseTime(&at, end, token: (start, end))
        if at == end {
            return .dateTime(TOMLDateTime(checkedDate: date, time: time, offsetMinutes: nil))
        }
        var offset = 0
        if bytes[at] == ASCII.upperZ || bytes[at] == ASCII.lowerZ {
            at += 1
        } else if bytes[at] == ASCII.plus || bytes[at] == ASCII.minus {
            let sign = bytes[at] == ASCII.minus ? -1 : 1
            at += 1
            let hours = try fixedDigits(&at, end, 2, token: (start, end), kind: "offset")
            try expect(ASCII.colon, &at, end, token: (start, end), kind: "offset")
            let minutes = try fixedDigits(&at, end, 2, token: (start, end), kind: "offset")
            guard hours <= 23, minutes <= 59 else {
                throw invalid("date-time", start, end, at: at - 5, "the offset must be between -23:59 and +23:59")
            }
            offset = sign * (hours * 60 + minutes)
        } else {
            throw invalid("date-time", start, end, at: at, "expected Z or an offset such as +01:00 after the time")
        }
        guard at == end else { throw invalid("date-time", start, end, at: at) }
        return .dateTime(TOMLDateTime(checkedDate: date, time: time, offsetMinutes: offset))
    }

    /// `HH:MM:SS` with an optional fraction (TOML 1.0 requires the seconds).
    private mutating func parseTime(_ at: inout Int, _ end: Int, token: (Int, Int)) throws(TOMLError) -> TOMLTime {
        let start = at
        let hour = try fixedDigits(&at, end, 2, token: token, kind: "time")
        try expect(ASCII.colon, &at, end, token: token, kind: "time")
        let minute = try fixedDigits(&at, end, 2, token: token, kind: "time")
        guard at < end, bytes[at] == ASCII.colon else {
            throw invalid("time", token.0, token.1, at: at, "seconds are required (write 07:32:00)")
        }
        at += 1
        let second = try fixedDigits(&at, end, 2, token: token, kind: "time")
        var nanosecond = 0
        if at < end, bytes[at] == ASCII.dot {
            at += 1
            guard at < end, ASCII.isDigit(bytes[at]) else {
                throw invalid("time", token.0, token.1, at: at, "expected digits after the '.'")
            }
            var digits = 0
            while at < end, ASCII.isDigit(bytes[at]) {
                if digits < 9 {
                    nanosecond = nanosecond * 10 + Int(bytes[at] - ASCII.zero)
                    digits += 1
                }
                at += 1
            }
            for _ in digits..<9 { nanosecond *= 10 }
        }
        guard let time = TOMLTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond) else {
            throw invalid("time", token.0, token.1, at: start, "hours 00–23, minutes 00–59, seconds 00–60")
        }
        return time
    }

    private mutating func fixedDigits(_ at: inout Int, _ end: Int, _ count: Int, token: (Int, Int), kind: String) throws(TOMLError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard at < end, ASCII.isDigit(bytes[at]) else {
                throw invalid(kind, token.0, token.1, at: at, "expected \(count) digits")
            }
            value = value * 10 + Int(bytes[at] - ASCII.zero)
            at += 1
        }
        return value
    }

    private mutating func expect(_ byte: UInt8, _ at: inout Int, _ end: Int, token: (Int, Int), kind: String) throws(TOMLError) {
        guard at < end, bytes[at] == byte else {
            throw invalid(kind, token.0, token.1, at: at, "expected '\(Character(Unicode.Scalar(byte)))'")
        }
        at += 1
    }
}
