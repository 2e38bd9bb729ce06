// MARK: - OSCArgument

/// One argument of an OSC message: the four OSC 1.0 core types.
///
/// The decoder also reads the `T` and `F` tags (true and false, no data), which lighting desks send for
/// buttons, as `.int32(1)` and `.int32(0)`, so a control only ever sees numbers; the encoder writes the
/// four core types only, so what we send any OSC 1.0 peer can read.
public enum OSCArgument: Sendable, Equatable {
    case int32(Int32)
    case float32(Float)
    /// UTF-8 text. An OSC-string cannot hold a NUL: the encoder writes the text up to the first one.
    case string(String)
    case blob([UInt8])

    /// The type tag character (`i`, `f`, `s`, `b`).
    public var typeTag: Character {
        switch self {
        case .int32: "i"
        case .float32: "f"
        case .string: "s"
        case .blob: "b"
        }
    }
}

// MARK: - OSCMessage

/// An OSC message: an address (pattern) and its arguments, e.g. `/likeness/speed f:0.5`.
public struct OSCMessage: Sendable, Equatable {
    /// Starts with `/`; a received one may be a pattern (`*`, `?`, `[…]`, `{…}`), see ``isPattern``.
    public var address: String
    public var arguments: [OSCArgument]

    public init(_ address: String, _ arguments: [OSCArgument] = []) {
        self.address = address
        self.arguments = arguments
    }

    public init(address: String, arguments: [OSCArgument]) {
        self.init(address, arguments)
    }

    /// Whether the address holds pattern characters, so it names many methods rather than one.
    public var isPattern: Bool {
        address.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }
    }

    /// The int32 argument at `index`, or a float32 one that holds a whole number (TouchOSC and many desks
    /// send every value as a float); nil when there is none or it is something else.
    public func int(at index: Int) -> Int32? {
        guard arguments.indices.contains(index) else { return nil }
        switch arguments[index] {
        case .int32(let value): return value
        case .float32(let value): return Int32(exactly: value)
        default: return nil
        }
    }

    /// The argument at `index` as a number: a float32, or an int32 converted; nil otherwise.
    public func float(at index: Int) -> Float? {
        guard arguments.indices.contains(index) else { return nil }
        switch arguments[index] {
        case .int32(let value): return Float(value)
        case .float32(let value): return value
        default: return nil
        }
    }

    /// The string argument at `index`; nil when there is none or it is something else.
    public func string(at index: Int) -> String? {
        guard arguments.indices.contains(index), case .string(let value) = arguments[index] else { return nil }
        return value
    }

    /// The message as one OSC packet: address and type tags as padded OSC-strings, then the arguments,
    /// big-endian, each padded to 4 bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(address.utf8.count + 8 + arguments.count * 8)
        encode(into: &bytes)
        return bytes
    }
}

// MARK: - OSCBundle

/// An OSC bundle: a time tag and its elements (messages or bundles), to be applied together.
public struct OSCBundle: Sendable, Equatable {
    /// NTP time tag: seconds since 1900 in the high 32 bits, fraction in the low 32.
    /// ``immediately`` (1) means "now"; we apply every bundle on arrival.
    public var timetag: UInt64
    public var elements: [OSCPacket]

    /// The time tag that means "now" (OSC 1.0: 63 zero bits and a one).
    public static let immediately: UInt64 = 1

    public init(timetag: UInt64 = OSCBundle.immediately, elements: [OSCPacket]) {
        self.timetag = timetag
        self.elements = elements
    }

    /// `#bundle\0`, the time tag, then each element as an int32 size and its bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }
}

// MARK: - OSCPacket

/// What one datagram carries: a message or a bundle.
public indirect enum OSCPacket: Sendable, Equatable {
    case message(OSCMessage)
    case bundle(OSCBundle)

    /// Bundles may nest this deep (the top-level bundle is 1).
    public static let maximumDepth = 8
    /// A message may have at most this many arguments.
    public static let maximumArguments = 64
    /// A packet may hold at most this many bundle elements, counted over every bundle in it.
    public static let maximumElements = 256
    /// A blob may hold at most this many bytes.
    public static let maximumBlobSize = 65_536

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    /// Every message, bundles flattened in order (depth first, as they were written).
    public func messages() -> [OSCMessage] {
        var result: [OSCMessage] = []
        collect(into: &result)
        return result
    }

    private func collect(into result: inout [OSCMessage]) {
        switch self {
        case .message(let message): result.append(message)
        case .bundle(let bundle): for element in bundle.elements { element.collect(into: &result) }
        }
    }

    /// Decodes one datagram; see ``decode(_:)-(ArraySlice<UInt8>)``.
    public static func decode(_ bytes: [UInt8]) throws(OSCError) -> OSCPacket {
        try decode(bytes[...])
    }

    /// Decodes one datagram, strictly.
    ///
    /// Safe on any input (it is a fuzz target): it never traps, recurses at most ``maximumDepth`` deep,
    /// and allocates what the input's own bytes hold plus at most ``maximumElements`` messages of
    /// ``maximumArguments`` arguments. Rejected: a size that is not a multiple of 4,
    /// an address that is not a valid OSC 1.0 address pattern, strings without their NUL or with non-NUL
    /// padding, text that is not UTF-8, unknown type tags, blobs that overrun the packet or exceed
    /// ``maximumBlobSize``, bytes left after the last argument, bundle elements whose size is not
    /// positive, a multiple of 4 and within the bundle, and the limits above. A message that ends right
    /// after its address has no arguments (OSC 1.0 asks receivers to accept a missing type tag string).
    /// Taking a slice lets the receiver decode from its reused buffer without copying the datagram.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(OSCError) -> OSCPacket {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count % 4 == 0 else { throw .sizeNotMultipleOfFour(size: bytes.count) }
        var decoder = OSCDecoder(bytes)
        return try decoder.packet(from: bytes.startIndex, to: bytes.endIndex, depth: 0)
    }
}

// MARK: - Encoding

extension OSCArgument {
    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .int32(let value): bytes.appendBigEndian(UInt32(bitPattern: value))
        case .float32(let value): bytes.appendBigEndian(value.bitPattern)
        case .string(let value): bytes.appendOSCString(value)
        case .blob(let value):
            precondition(value.count <= Int(Int32.max), "an OSC blob holds at most 2^31-1 bytes")
            bytes.appendBigEndian(UInt32(value.count))
            bytes.append(contentsOf: value)
            bytes.appendPadding(after: value.count)
        }
    }
}

extension OSCMessage {
    func encode(into bytes: inout [UInt8]) {
        bytes.appendOSCString(address)
        bytes.append(UInt8(ascii: ","))
        for argument in arguments { bytes.append(argument.typeTag.asciiValue ?? 0) }
        bytes.appendPadding(after: arguments.count + 1, terminated: true)
        for argument in arguments { argument.encode(into: &bytes) }
    }
}

extension OSCBundle {
    /// "#bundle" as an OSC-string.
    static let header: [UInt8] = Array("#bundle".utf8) + [0]

    func encode(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: OSCBundle.header)
        bytes.appendBigEndian(timetag)
        for element in elements {
            // Reserve the size, write the element in place, then patch the size: no temporary arrays.
            let sizeAt = bytes.count
            bytes.appendBigEndian(UInt32(0))
            element.encode(into: &bytes)
            let size = UInt32(bytes.count - sizeAt - 4)
            for shift in 0..<4 { bytes[sizeAt + shift] = UInt8(truncatingIfNeeded: size >> (24 - 8 * shift)) }
        }
    }
}

extension OSCPacket {
    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .message(let message): message.encode(into: &bytes)
        case .bundle(let bundle): bundle.encode(into: &bytes)
        }
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendBigEndian(_ value: UInt64) {
        appendBigEndian(UInt32(truncatingIfNeeded: value >> 32))
        appendBigEndian(UInt32(truncatingIfNeeded: value))
    }

    /// NULs after `count` bytes of data up to the next multiple of 4; `terminated` adds at least one
    /// (an OSC-string's terminator), so a string of 4 bytes takes 8.
    mutating func appendPadding(after count: Int, terminated: Bool = false) {
        let padded = terminated ? (count + 4) & ~3 : (count + 3) & ~3
        append(contentsOf: repeatElement(0, count: padded - count))
    }

    /// The UTF-8 of `text` up to its first NUL (an OSC-string cannot hold one), terminated and padded.
    mutating func appendOSCString(_ text: String) {
        var count = 0
        for byte in text.utf8 {
            if byte == 0 { break }
            append(byte)
            count += 1
        }
        appendPadding(after: count, terminated: true)
    }
}

// MARK: - Decoding

/// Reads one packet from a byte slice; every read is bounds-checked against the end of the part being
/// read (the packet, or one bundle element), and offsets in errors count from the packet's first byte.
struct OSCDecoder {
    let bytes: ArraySlice<UInt8>
    /// Bundle elements read so far, over the whole packet.
    var elementCount = 0

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    func offset(_ index: Int) -> Int { index - bytes.startIndex }

    /// The packet in `start..<end` (both multiples of 4 from the start); `depth` is the enclosing
    /// bundles' count.
    mutating func packet(from start: Int, to end: Int, depth: Int) throws(OSCError) -> OSCPacket {
        switch bytes[start] {
        case UInt8(ascii: "/"): return .message(try message(from: start, to: end))
        case UInt8(ascii: "#"): return .bundle(try bundle(from: start, to: end, depth: depth + 1))
        default: throw .notAPacket(firstByte: bytes[start], offset: offset(start))
        }
    }

    mutating func bundle(from start: Int, to end: Int, depth: Int) throws(OSCError) -> OSCBundle {
        guard depth <= OSCPacket.maximumDepth else { throw .nestedTooDeep(limit: OSCPacket.maximumDepth) }
        guard end - start >= 16, bytes[start..<start + 8].elementsEqual(OSCBundle.header) else {
            throw .notABundle(offset: offset(start))
        }
        let timetag = UInt64(readUInt32(at: start + 8)) << 32 | UInt64(readUInt32(at: start + 12))
        var elements: [OSCPacket] = []
        var index = start + 16
        while index < end {
            // `index` and `end` are multiples of 4 apart, so the size field is always there.
            let size = Int32(bitPattern: readUInt32(at: index))
            let available = end - index - 4
            guard size > 0, size % 4 == 0, Int(size) <= available else {
                throw .invalidElementSize(size: size, offset: offset(index), available: available)
            }
            elementCount += 1
            guard elementCount <= OSCPacket.maximumElements else { throw .tooManyElements(limit: OSCPacket.maximumElements) }
            elements.append(try packet(from: index + 4, to: index + 4 + Int(size), depth: depth))
            index += 4 + Int(size)
        }
        return OSCBundle(timetag: timetag, elements: elements)
    }

    mutating func message(from start: Int, to end: Int) throws(OSCError) -> OSCMessage {
        let addressRange = try string(at: start, end: end, what: "the address")
        if let reason = OSCDecoder.addressProblem(bytes[addressRange]) {
            throw .invalidAddress(String(decoding: bytes[addressRange], as: UTF8.self), reason: reason)
        }
        let address = String(decoding: bytes[addressRange], as: UTF8.self)
        var index = start + OSCDecoder.paddedLength(addressRange.count)
        guard index < end else { return OSCMessage(address, []) }

        guard bytes[index] == UInt8(ascii: ",") else { throw .missingTypeTags(offset: offset(index)) }
        let tags = try string(at: index, end: end, what: "the type tags")
        guard tags.count - 1 <= OSCPacket.maximumArguments else {
            throw .tooManyArguments(count: tags.count - 1, limit: OSCPacket.maximumArguments)
        }
        index += OSCDecoder.paddedLength(tags.count)

        var arguments: [OSCArgument] = []
        arguments.reserveCapacity(tags.count - 1)
        for tagIndex in tags.dropFirst() {
            let tag = bytes[tagIndex]
            switch tag {
            case UInt8(ascii: "i"), UInt8(ascii: "f"):
                guard end - index >= 4 else { throw .truncated(offset: offset(index), expected: tag == UInt8(ascii: "i") ? "an int32" : "a float32") }
                let word = readUInt32(at: index)
                arguments.append(tag == UInt8(ascii: "i") ? .int32(Int32(bitPattern: word)) : .float32(Float(bitPattern: word)))
                index += 4
            case UInt8(ascii: "s"):
                guard index < end else { throw .truncated(offset: offset(index), expected: "a string") }
                let range = try string(at: index, end: end, what: "a string argument")
                let text = String(decoding: bytes[range], as: UTF8.self)
                // Decoding replaces invalid UTF-8 with U+FFFD, so a changed byte count or content gives it away.
                guard text.utf8.elementsEqual(bytes[range]) else { throw .invalidUTF8(offset: offset(index)) }
                arguments.append(.string(text))
                index += OSCDecoder.paddedLength(range.count)
            case UInt8(ascii: "b"):
                guard end - index >= 4 else { throw .truncated(offset: offset(index), expected: "a blob size") }
                let size = Int32(bitPattern: readUInt32(at: index))
                let available = end - index - 4
                guard size >= 0, Int(size) <= OSCPacket.maximumBlobSize, (Int(size) + 3) & ~3 <= available else {
                    throw .invalidBlobSize(size: size, offset: offset(index), available: available)
                }
                let data = index + 4..<index + 4 + Int(size)
                let padded = data.lowerBound + ((Int(size) + 3) & ~3)
                guard bytes[data.upperBound..<padded].allSatisfy({ $0 == 0 }) else { throw .badPadding(offset: offset(data.upperBound)) }
                arguments.append(.blob(Array(bytes[data])))
                index = padded
            case UInt8(ascii: "T"): arguments.append(.int32(1))
            case UInt8(ascii: "F"): arguments.append(.int32(0))
            default: throw .unknownTypeTag(tag, offset: offset(tagIndex))
            }
        }
        guard index == end else { throw .trailingBytes(count: end - index, offset: offset(index)) }
        return OSCMessage(address, arguments)
    }

    /// The bytes of the OSC-string at `index` (without its NUL), checking its terminator and padding.
    func string(at index: Int, end: Int, what: String) throws(OSCError) -> Range<Int> {
        guard let nul = bytes[index..<end].firstIndex(of: 0) else { throw .unterminatedString(what: what, offset: offset(index)) }
        let padded = index + OSCDecoder.paddedLength(nul - index)
        // `index` and `end` are multiples of 4 apart, so the padding cannot run past `end`.
        guard padded <= end else { throw .truncated(offset: offset(nul), expected: "the padding of \(what)") }
        guard bytes[nul..<padded].allSatisfy({ $0 == 0 }) else { throw .badPadding(offset: offset(nul)) }
        return index..<nul
    }

    func readUInt32(at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    /// Bytes an OSC-string of `count` characters takes: its NUL and padding to a multiple of 4.
    static func paddedLength(_ count: Int) -> Int { (count + 4) & ~3 }
}

// MARK: - Address patterns

extension OSCDecoder {
    /// Why `address` is not an OSC 1.0 address pattern, or nil when it is one.
    ///
    /// Printable ASCII, starting with `/`, no space or `#`, no empty part (`//` is OSC 1.1, a trailing `/`
    /// names no method). Pattern characters are allowed where the spec gives them a meaning: `*` and `?`
    /// outside brackets and braces; `[…]` (non-empty, may hold `!` and `-`) and `{…,…}` within one part,
    /// not nested; `,` only inside braces.
    static func addressProblem(_ address: ArraySlice<UInt8>) -> String? {
        guard address.first == UInt8(ascii: "/") else { return "it must start with '/'" }
        var inBrackets = false
        var inBraces = false
        var bracketed = 0
        var partLength = 0
        for byte in address.dropFirst() {
            guard byte != UInt8(ascii: " ") else { return "it contains a space" }
            guard byte > 0x20, byte < 0x7F else { return "it contains the byte \(hex(byte)) (only printable ASCII is allowed)" }
            switch byte {
            case UInt8(ascii: "/"):
                if inBrackets || inBraces { return "a '[' or '{' is not closed before '/'" }
                if partLength == 0 { return "it has an empty part ('//')" }
                partLength = 0
                continue
            case UInt8(ascii: "#"):
                return "it contains '#'"
            case UInt8(ascii: "["):
                if inBrackets || inBraces { return "'[' inside '[…]' or '{…}'" }
                inBrackets = true
                bracketed = 0
            case UInt8(ascii: "]"):
                guard inBrackets else { return "']' without '['" }
                guard bracketed > 0 else { return "it contains an empty '[]'" }
                inBrackets = false
            case UInt8(ascii: "{"):
                if inBrackets || inBraces { return "'{' inside '[…]' or '{…}'" }
                inBraces = true
            case UInt8(ascii: "}"):
                guard inBraces else { return "'}' without '{'" }
                inBraces = false
            case UInt8(ascii: ","):
                guard inBraces else { return "it contains ',' outside '{…}'" }
            case UInt8(ascii: "*"), UInt8(ascii: "?"):
                if inBrackets || inBraces { return "'\(Character(Unicode.Scalar(byte)))' inside '[…]' or '{…}'" }
            default:
                if inBrackets { bracketed += 1 }
            }
            partLength += 1
        }
        if inBrackets || inBraces { return "a '[' or '{' is not closed" }
        if partLength == 0 { return "it ends with '/' (no method name)" }
        return nil
    }
}

/// `0x7F`.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
}

// MARK: - OSCError

/// Why OSC input was refused, or an endpoint could not be used.
///
/// Decoding errors carry the byte offset from the packet's start; every message is one line that ends
/// with a hint, e.g. `OSC packet of 7 bytes: its size must be a multiple of 4; …`. Text taken from the
/// packet is escaped and shortened, so a hostile packet cannot forge log lines.
public enum OSCError: Error, Sendable, Equatable, CustomStringConvertible {
    // Decoding
    case empty
    case sizeNotMultipleOfFour(size: Int)
    case notAPacket(firstByte: UInt8, offset: Int)
    case notABundle(offset: Int)
    case truncated(offset: Int, expected: String)
    case unterminatedString(what: String, offset: Int)
    case badPadding(offset: Int)
    case invalidAddress(String, reason: String)
    case missingTypeTags(offset: Int)
    case unknownTypeTag(UInt8, offset: Int)
    case tooManyArguments(count: Int, limit: Int)
    case invalidUTF8(offset: Int)
    case invalidBlobSize(size: Int32, offset: Int, available: Int)
    case trailingBytes(count: Int, offset: Int)
    case invalidElementSize(size: Int32, offset: Int, available: Int)
    case nestedTooDeep(limit: Int)
    case tooManyElements(limit: Int)
    // Endpoints
    case invalidEndpoint(String, reason: String)
    case invalidAllowEntry(String)
    case cannotListen(endpoint: String, reason: String)
    case cannotOpenSocket(reason: String)

    public var description: String {
        switch self {
        case .empty:
            "OSC packet of 0 bytes: a packet holds a message or a bundle"
        case .sizeNotMultipleOfFour(let size):
            "OSC packet of \(size) bytes: its size must be a multiple of 4; OSC 1.0 pads every field to 4 bytes"
        case .notAPacket(let byte, let offset):
            "OSC packet starts with \(hex(byte)) at byte \(offset): expected '/' (a message) or '#bundle' (a bundle)"
        case .notABundle(let offset):
            "OSC bundle at byte \(offset) does not start with \"#bundle\" and a time tag; a bundle is \"#bundle\\0\", 8 bytes of time tag, then its elements"
        case .truncated(let offset, let expected):
            "OSC packet ends at byte \(offset) where \(expected) should be; the type tags name more arguments than the packet holds"
        case .unterminatedString(let what, let offset):
            "OSC string (\(what)) at byte \(offset) has no terminating NUL; strings end with a NUL and are padded to 4 bytes"
        case .badPadding(let offset):
            "OSC padding at byte \(offset) is not all NUL; strings and blobs are padded with NULs to 4 bytes"
        case .invalidAddress(let address, let reason):
            "OSC address \(quoted(address)) is invalid: \(reason); an address looks like /likeness/speed"
        case .missingTypeTags(let offset):
            "OSC message has no type tag string at byte \(offset): expected ',' followed by i, f, s, b, T or F"
        case .unknownTypeTag(let tag, let offset):
            "OSC type tag \(tag > 0x20 && tag < 0x7F ? "'\(Character(Unicode.Scalar(tag)))'" : hex(tag)) at byte \(offset) is not supported (supported: i f s b T F)"
        case .tooManyArguments(let count, let limit):
            "OSC message has \(count) arguments: at most \(limit) are accepted; split it into several messages"
        case .invalidUTF8(let offset):
            "OSC string at byte \(offset) is not valid UTF-8; send text as UTF-8"
        case .invalidBlobSize(let size, let offset, let available):
            "OSC blob at byte \(offset) claims \(size) bytes: it must be 0 to \(OSCPacket.maximumBlobSize) and fit in the \(available) bytes left"
        case .trailingBytes(let count, let offset):
            "OSC message has \(count) bytes after its last argument, at byte \(offset); its type tags must name every argument"
        case .invalidElementSize(let size, let offset, let available):
            "OSC bundle element at byte \(offset) has size \(size): it must be positive, a multiple of 4, and at most \(available) (the bytes left)"
        case .nestedTooDeep(let limit):
            "OSC bundles nested more than \(limit) deep; flatten the bundle"
        case .tooManyElements(let limit):
            "OSC packet has more than \(limit) bundle elements; send them in several packets"
        case .invalidEndpoint(let text, let reason):
            "invalid OSC endpoint \(quoted(text)): \(reason); write an IPv4 address and a port, e.g. 127.0.0.1:7000"
        case .invalidAllowEntry(let text):
            "invalid OSC allow-list entry \(quoted(text)); write an IPv4 address (10.0.0.5) or a CIDR block (10.0.0.0/8, or 0.0.0.0/0 for anyone)"
        case .cannotListen(let endpoint, let reason):
            "cannot listen for OSC on \(endpoint): \(reason); stop the program that holds the port, or choose another port"
        case .cannotOpenSocket(let reason):
            "cannot open a UDP socket for OSC: \(reason); check the process's file descriptor limit"
        }
    }
}

/// `text` in double quotes, control characters and quotes escaped, at most 64 characters shown.
func quoted(_ text: String) -> String {
    let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
    return shown.debugDescription
}

// MARK: - Descriptions

extension OSCArgument: CustomStringConvertible {
    /// `i:3`, `f:0.5`, `s:"text"`, `b:<12 bytes>`.
    public var description: String {
        switch self {
        case .int32(let value): "i:\(value)"
        case .float32(let value): "f:\(value)"
        case .string(let value): "s:\(quoted(value))"
        case .blob(let value): "b:<\(value.count) bytes>"
        }
    }
}

extension OSCMessage: CustomStringConvertible {
    /// One line for logs: `/likeness/speed f:0.5`.
    public var description: String {
        let address = address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) && address.utf8.count <= 128 ? address : quoted(address)
        return ([address] + arguments.map(\.description)).joined(separator: " ")
    }
}

extension OSCBundle: CustomStringConvertible {
    /// `#bundle { /a i:1; /b f:2.0 }`, with `@timetag` when it is not "immediately".
    public var description: String {
        let time = timetag == OSCBundle.immediately ? "" : "@\(timetag)"
        return "#bundle\(time) { " + elements.map(\.description).joined(separator: "; ") + " }"
    }
}

extension OSCPacket: CustomStringConvertible {
    public var description: String {
        switch self {
        case .message(let message): message.description
        case .bundle(let bundle): bundle.description
        }
    }
}
