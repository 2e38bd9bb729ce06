import Foundation
import LikenessShow
import Testing

@testable import LikenessRemote

/// The error `bytes` give, or nil when they decode.
func decodeError(_ bytes: [UInt8]) -> OSCError? {
    do {
        _ = try OSCPacket.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// `text` as ASCII bytes (test literals only).
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

// MARK: - Encoding

@Suite struct OSCEncodingTests {
    /// OSC 1.0 examples, "/oscillator/4/frequency" with 440.0.
    @Test func specExampleOscillatorFrequency() throws {
        let expected: [UInt8] = [
            0x2F, 0x6F, 0x73, 0x63, 0x69, 0x6C, 0x6C, 0x61, 0x74, 0x6F, 0x72, 0x2F, 0x34, 0x2F, 0x66, 0x72,
            0x65, 0x71, 0x75, 0x65, 0x6E, 0x63, 0x79, 0x00, 0x2C, 0x66, 0x00, 0x00, 0x43, 0xDC, 0x00, 0x00,
        ]
        let message = OSCMessage("/oscillator/4/frequency", [.float32(440)])
        #expect(message.encoded() == expected)
        #expect(try OSCPacket.decode(expected) == .message(message))
    }

    /// OSC 1.0 examples, "/foo" with 1000, -1, "hello", 1.234, 5.678.
    @Test func specExampleFoo() throws {
        let expected: [UInt8] = [
            0x2F, 0x66, 0x6F, 0x6F, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x69, 0x69, 0x73, 0x66, 0x66, 0x00, 0x00,
            0x00, 0x00, 0x03, 0xE8, 0xFF, 0xFF, 0xFF, 0xFF, 0x68, 0x65, 0x6C, 0x6C, 0x6F, 0x00, 0x00, 0x00,
            0x3F, 0x9D, 0xF3, 0xB6, 0x40, 0xB5, 0xB2, 0x2D,
        ]
        let message = OSCMessage("/foo", [.int32(1000), .int32(-1), .string("hello"), .float32(1.234), .float32(5.678)])
        #expect(message.encoded() == expected)
        #expect(try OSCPacket.decode(expected) == .message(message))
    }

    /// OSC 1.0 examples: "OSC" takes 4 bytes, "data" 8.
    @Test func stringPadding() {
        var bytes: [UInt8] = []
        bytes.appendOSCString("OSC")
        #expect(bytes == [0x4F, 0x53, 0x43, 0x00])
        bytes = []
        bytes.appendOSCString("data")
        #expect(bytes == [0x64, 0x61, 0x74, 0x61, 0x00, 0x00, 0x00, 0x00])
        bytes = []
        bytes.appendOSCString("ab\0cd")
        #expect(bytes == [0x61, 0x62, 0x00, 0x00], "an OSC-string ends at the first NUL")
    }

    @Test func noArguments() {
        #expect(OSCMessage("/a").encoded() == [0x2F, 0x61, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00])
    }

    @Test func blob() {
        let message = OSCMessage("/b", [.blob([1, 2, 3]), .blob([])])
        #expect(message.encoded() == [
            0x2F, 0x62, 0x00, 0x00, 0x2C, 0x62, 0x62, 0x00,
            0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ])
    }

    @Test func bundle() {
        let bundle = OSCBundle(timetag: 0x0102_0304_0506_0708, elements: [.message(OSCMessage("/a", [.int32(1)]))])
        #expect(bundle.encoded() == [
            0x23, 0x62, 0x75, 0x6E, 0x64, 0x6C, 0x65, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
            0x00, 0x00, 0x00, 0x0C, 0x2F, 0x61, 0x00, 0x00, 0x2C, 0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        ])
        #expect(OSCPacket.bundle(bundle).encoded() == bundle.encoded())
    }
}

// MARK: - Decoding

@Suite struct OSCDecodingTests {
    static let samples: [OSCPacket] = [
        .message(OSCMessage("/likeness/speed", [.float32(0.5)])),
        .message(OSCMessage("/x", [.int32(.min), .int32(.max), .float32(-.infinity), .float32(-0.0), .float32(.leastNonzeroMagnitude)])),
        .message(OSCMessage("/text", [.string(""), .string("a"), .string("abc"), .string("abcd"), .string("Café 😀")])),
        .message(OSCMessage("/blobs", [.blob([]), .blob([1]), .blob([1, 2]), .blob([1, 2, 3]), .blob([1, 2, 3, 4]), .blob([1, 2, 3, 4, 5])])),
        .message(OSCMessage("/pattern/*/x?/[a-c]/[!0-9]/{on,off}")),
        .message(OSCMessage("/none")),
        .bundle(OSCBundle(elements: [])),
        .bundle(OSCBundle(timetag: .max, elements: [
            .message(OSCMessage("/1")),
            .bundle(OSCBundle(elements: [.message(OSCMessage("/2", [.int32(2)])), .bundle(OSCBundle(elements: [.message(OSCMessage("/3"))]))])),
            .message(OSCMessage("/4", [.string("four")])),
        ])),
    ]

    @Test(arguments: samples)
    func roundTrip(packet: OSCPacket) throws {
        let bytes = packet.encoded()
        #expect(bytes.count % 4 == 0)
        #expect(try OSCPacket.decode(bytes) == packet)
    }

    @Test func decodesFromASlice() throws {
        let bytes = [0xAA, 0xBB, 0xCC, 0xDD] + OSCMessage("/s", [.int32(7)]).encoded() + [1, 2, 3, 4]
        #expect(try OSCPacket.decode(bytes[4..<bytes.count - 4]) == .message(OSCMessage("/s", [.int32(7)])))
        #expect(decodeErrorOfSlice(bytes[4..<12]) == .truncated(offset: 8, expected: "an int32"), "offsets count from the slice's start")
    }

    func decodeErrorOfSlice(_ bytes: ArraySlice<UInt8>) -> OSCError? {
        do {
            _ = try OSCPacket.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func messagesFlattenInOrder() {
        let addresses = OSCDecodingTests.samples[7].messages().map(\.address)
        #expect(addresses == ["/1", "/2", "/3", "/4"])
        #expect(OSCDecodingTests.samples[0].messages() == [OSCMessage("/likeness/speed", [.float32(0.5)])])
    }

    @Test func trueAndFalseAreInts() throws {
        let bytes = ascii("/go\0,TiF\0\0\0\0") + [0, 0, 0, 5]
        #expect(try OSCPacket.decode(bytes) == .message(OSCMessage("/go", [.int32(1), .int32(5), .int32(0)])))
    }

    @Test func missingTypeTagsMeanNoArguments() throws {
        #expect(try OSCPacket.decode(ascii("/ping\0\0\0")) == .message(OSCMessage("/ping")))
    }

    @Test func nestingUpToTheLimit() throws {
        func nested(_ depth: Int) -> OSCPacket {
            var packet = OSCPacket.message(OSCMessage("/deep"))
            for _ in 0..<depth { packet = .bundle(OSCBundle(elements: [packet])) }
            return packet
        }
        #expect(try OSCPacket.decode(nested(8).encoded()) == nested(8))
        #expect(decodeError(nested(9).encoded()) == .nestedTooDeep(limit: 8))
    }

    @Test func elementLimit() throws {
        let message = OSCPacket.message(OSCMessage("/e"))
        let full = OSCPacket.bundle(OSCBundle(elements: Array(repeating: message, count: 255) + [.bundle(OSCBundle(elements: []))]))
        #expect(try OSCPacket.decode(full.encoded()).messages().count == 255)
        let over = OSCPacket.bundle(OSCBundle(elements: [.bundle(OSCBundle(elements: Array(repeating: message, count: 256)))]))
        #expect(decodeError(over.encoded()) == .tooManyElements(limit: 256), "elements count over the whole packet")
    }

    @Test func argumentLimit() throws {
        let full = OSCMessage("/n", Array(repeating: .int32(1), count: 64))
        #expect(try OSCPacket.decode(full.encoded()) == .message(full))
        let over = OSCMessage("/n", Array(repeating: .int32(1), count: 65))
        #expect(decodeError(over.encoded()) == .tooManyArguments(count: 65, limit: 64))
    }

    @Test func blobLimit() throws {
        let largest = OSCMessage("/b", [.blob(Array(repeating: 7, count: 65_536))])
        #expect(try OSCPacket.decode(largest.encoded()) == .message(largest))
        let over = OSCMessage("/b", [.blob(Array(repeating: 7, count: 65_540))])
        #expect(decodeError(over.encoded()) == .invalidBlobSize(size: 65_540, offset: 8, available: 65_540))
    }

    // MARK: Errors

    @Test(arguments: [
        // (bytes, expected error)
        ([], OSCError.empty),
        (ascii("/abcdef"), .sizeNotMultipleOfFour(size: 7)),
        (ascii("abc\0"), .notAPacket(firstByte: 0x61, offset: 0)),
        (ascii("#bundle\0"), .notABundle(offset: 0)),
        (ascii("#bundlX\0") + [0, 0, 0, 0, 0, 0, 0, 1], .notABundle(offset: 0)),
        (ascii("/abc"), .unterminatedString(what: "the address", offset: 0)),
        (ascii("/a\0x"), .badPadding(offset: 2)),
        (ascii("/a b\0\0\0\0"), .invalidAddress("/a b", reason: "it contains a space")),
        (ascii("/a\0\0xi\0\0"), .missingTypeTags(offset: 4)),
        (ascii("/a\0\0,i\0\0"), .truncated(offset: 8, expected: "an int32")),
        (ascii("/a\0\0,f\0\0"), .truncated(offset: 8, expected: "a float32")),
        (ascii("/a\0\0,s\0\0"), .truncated(offset: 8, expected: "a string")),
        (ascii("/a\0\0,b\0\0"), .truncated(offset: 8, expected: "a blob size")),
        (ascii("/a\0\0,s\0\0abcd"), .unterminatedString(what: "a string argument", offset: 8)),
        (ascii("/a\0\0,s\0\0ab\0z"), .badPadding(offset: 10)),
        (ascii("/a\0\0,iii"), .unterminatedString(what: "the type tags", offset: 4)),
        (ascii("/a\0\0,d\0\0\0\0\0\0\0\0\0\0"), .unknownTypeTag(0x64, offset: 5)),
        (ascii("/a\0\0,s\0\0") + [0xC3, 0x28, 0, 0], .invalidUTF8(offset: 8)),
        (ascii("/a\0\0,b\0\0") + [0xFF, 0xFF, 0xFF, 0xFC], .invalidBlobSize(size: -4, offset: 8, available: 0)),
        (ascii("/a\0\0,b\0\0") + [0, 0, 0, 5, 1, 2, 3, 4], .invalidBlobSize(size: 5, offset: 8, available: 4)),
        (ascii("/a\0\0,b\0\0") + [0, 0, 0, 1, 1, 2, 0, 0], .badPadding(offset: 13)),
        (ascii("/a\0\0,\0\0\0") + [0, 0, 0, 1], .trailingBytes(count: 4, offset: 8)),
        (ascii("#bundle\0") + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0], .invalidElementSize(size: 0, offset: 16, available: 0)),
        (ascii("#bundle\0") + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 6] + ascii("/a\0\0,\0\0\0"), .invalidElementSize(size: 6, offset: 16, available: 8)),
        (ascii("#bundle\0") + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 12] + ascii("/a\0\0,\0\0\0"), .invalidElementSize(size: 12, offset: 16, available: 8)),
        (ascii("#bundle\0") + [0, 0, 0, 0, 0, 0, 0, 1] + [0xFF, 0xFF, 0xFF, 0xF8] + ascii("/a\0\0,\0\0\0"), .invalidElementSize(size: -8, offset: 16, available: 8)),
        (ascii("#bundle\0") + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 4] + ascii("x\0\0\0"), .notAPacket(firstByte: 0x78, offset: 20)),
        (ascii("#bundle\0") + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 8] + ascii("/a\0\0,i\0\0"), .truncated(offset: 28, expected: "an int32")),
    ] as [([UInt8], OSCError)])
    func rejects(bytes: [UInt8], expected: OSCError) {
        #expect(decodeError(bytes) == expected)
    }

    @Test func everyMessageIsOneLineWithAHint() {
        let errors: [OSCError] = [
            .empty, .sizeNotMultipleOfFour(size: 7), .notAPacket(firstByte: 0, offset: 0), .notABundle(offset: 0),
            .truncated(offset: 0, expected: "an int32"), .unterminatedString(what: "the address", offset: 0), .badPadding(offset: 0),
            .invalidAddress("/a\nb", reason: "x"), .missingTypeTags(offset: 0), .unknownTypeTag(0x0A, offset: 0),
            .tooManyArguments(count: 65, limit: 64), .invalidUTF8(offset: 0), .invalidBlobSize(size: 1, offset: 0, available: 0),
            .trailingBytes(count: 4, offset: 0), .invalidElementSize(size: 0, offset: 0, available: 0), .nestedTooDeep(limit: 8),
            .tooManyElements(limit: 256), .invalidEndpoint("a\nb", reason: "x"), .invalidAllowEntry("\n"),
            .cannotListen(endpoint: "0.0.0.0:7000", reason: "address in use"), .cannotOpenSocket(reason: "x"),
        ]
        for error in errors {
            let oneLine = !error.description.contains { $0.isNewline }
            #expect(oneLine, "\(error.description.debugDescription)")
            #expect(error.description.contains(";") || error.description.contains(":"), "\(error)")
        }
        #expect(OSCError.sizeNotMultipleOfFour(size: 7).description.hasPrefix("OSC packet of 7 bytes: its size must be a multiple of 4"))
        #expect(OSCError.invalidAddress(String(repeating: "x", count: 1000), reason: "r").description.count < 200, "long input is shortened")
    }

    // MARK: Addresses

    @Test(arguments: [
        "/a", "/likeness/speed", "/a/b/c-d_e.f~!", "/*", "/a?c", "/[abc]", "/[a-z]/x", "/[!0-9]", "/{on,off}", "/x{a,b}y/*z",
        "/oscillator/4/frequency",
    ])
    func acceptsAddress(address: String) {
        #expect(OSCDecoder.addressProblem(ascii(address)[...]) == nil)
    }

    @Test(arguments: [
        ("a", "it must start with '/'"), ("", "it must start with '/'"), ("/", "it ends with '/' (no method name)"),
        ("/a/", "it ends with '/' (no method name)"), ("/a//b", "it has an empty part ('//')"), ("/a b", "it contains a space"),
        ("/a\tb", "it contains the byte 0x09 (only printable ASCII is allowed)"),
        ("/\u{7F}", "it contains the byte 0x7F (only printable ASCII is allowed)"),
        ("/é", "it contains the byte 0xC3 (only printable ASCII is allowed)"), ("/a#b", "it contains '#'"),
        ("/a,b", "it contains ',' outside '{…}'"), ("/[ab", "a '[' or '{' is not closed"), ("/{a,b", "a '[' or '{' is not closed"),
        ("/[a/b]", "a '[' or '{' is not closed before '/'"), ("/a]", "']' without '['"), ("/a}", "'}' without '{'"),
        ("/[]", "it contains an empty '[]'"), ("/[[a]]", "'[' inside '[…]' or '{…}'"), ("/{a,{b}}", "'{' inside '[…]' or '{…}'"),
        ("/[*]", "'*' inside '[…]' or '{…}'"), ("/{a,?}", "'?' inside '[…]' or '{…}'"),
    ])
    func rejectsAddress(address: String, reason: String) {
        #expect(OSCDecoder.addressProblem(ascii(address)[...]) == reason)
    }

    // MARK: Robustness

    /// 20 000 mutants of valid packets, from a fixed seed: each must decode or throw, and whatever decodes
    /// must re-encode to bytes that decode to the same thing.
    @Test func mutatedPacketsNeverTrap() throws {
        var random = SplitMix64(seed: 0x05C1_0000_1ECE)
        let seeds = OSCDecodingTests.samples.map { $0.encoded() } + [
            ascii("/go\0,TiFsb\0\0\0\0") + [0, 0, 0, 5] + ascii("hi\0\0") + [0, 0, 0, 2, 9, 9, 0, 0],
            OSCMessage("/n", Array(repeating: .float32(1), count: 64)).encoded(),
        ]
        let interesting: [UInt8] = [0, 1, 3, 4, 0x7F, 0x80, 0xFF, 0x2F, 0x2C, 0x23, 0x20, 0x5B, 0x7B, 0x69, 0x66, 0x73, 0x62, 0x54, 0x46, 0x64]
        var decoded = 0
        var rejected = 0
        for _ in 0..<20_000 {
            var bytes = seeds[random.below(seeds.count)]
            for _ in 0...random.below(4) {
                switch random.below(7) {
                case 0 where !bytes.isEmpty: bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
                case 1 where !bytes.isEmpty: bytes[random.below(bytes.count)] = interesting[random.below(interesting.count)]
                case 2: bytes.removeLast(min(bytes.count, random.below(3) * 4 + random.below(2)))
                case 3: bytes.insert(contentsOf: (0..<4).map { _ in interesting[random.below(interesting.count)] }, at: random.below(bytes.count / 4 + 1) * 4)
                case 4 where bytes.count >= 4:
                    // A size field gone wrong: huge, negative, zero or off by a little.
                    let at = random.below(bytes.count / 4) * 4
                    let values: [Int32] = [0, -1, -4, .min, .max, 4, 8, 65_536, 65_540, Int32(bytes.count), Int32(bytes.count - at)]
                    let value = UInt32(bitPattern: values[random.below(values.count)])
                    for shift in 0..<4 { bytes[at + shift] = UInt8(truncatingIfNeeded: value >> (24 - 8 * shift)) }
                case 5 where bytes.count >= 8:
                    let start = random.below(bytes.count - 4)
                    bytes.append(contentsOf: bytes[start..<min(bytes.count, start + 4 * (1 + random.below(4)))])
                default: bytes = Array(bytes.shuffled(using: &random).prefix(random.below(bytes.count + 1)))
                }
            }
            do {
                let packet = try OSCPacket.decode(bytes)
                decoded += 1
                let again = packet.encoded()
                #expect(try OSCPacket.decode(again).encoded() == again)
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded > 500 && rejected > 5_000, "decoded \(decoded), rejected \(rejected): the mutator should reach both sides")
    }

    /// Random bytes with a plausible head, the other way to reach deep into the decoder.
    @Test func randomBytesNeverTrap() {
        var random = SplitMix64(seed: 42)
        let heads = [ascii("/a\0\0,"), ascii("#bundle\0"), ascii("/"), []]
        for _ in 0..<5_000 {
            var bytes = heads[random.below(heads.count)]
            bytes += (0..<random.below(64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            bytes.removeLast(bytes.count % 4)
            _ = try? OSCPacket.decode(bytes)
        }
    }
}

// MARK: - Messages

@Suite struct OSCMessageTests {
    @Test func accessors() {
        let message = OSCMessage("/m", [.int32(3), .float32(0.5), .string("s"), .blob([1]), .float32(2), .float32(.nan)])
        #expect(message.int(at: 0) == 3)
        #expect(message.int(at: 1) == nil, "0.5 is not a whole number")
        #expect(message.int(at: 4) == 2, "desks send whole numbers as floats")
        #expect(message.int(at: 5) == nil)
        #expect(message.float(at: 0) == 3)
        #expect(message.float(at: 1) == 0.5)
        #expect(message.float(at: 2) == nil)
        #expect(message.string(at: 2) == "s")
        #expect(message.string(at: 0) == nil)
        #expect(message.int(at: 99) == nil && message.float(at: -1) == nil && message.string(at: 6) == nil)
    }

    @Test func descriptions() {
        #expect(OSCMessage("/likeness/speed", [.float32(0.5)]).description == "/likeness/speed f:0.5")
        #expect(OSCMessage("/m", [.int32(-3), .string("a\"b\n"), .blob([1, 2])]).description == #"/m i:-3 s:"a\"b\n" b:<2 bytes>"#)
        #expect(OSCMessage("/quiet").description == "/quiet")
        let bundle = OSCPacket.bundle(OSCBundle(elements: [.message(OSCMessage("/a", [.int32(1)])), .message(OSCMessage("/b"))]))
        #expect(bundle.description == "#bundle { /a i:1; /b }")
        #expect(OSCBundle(timetag: 7, elements: []).description == "#bundle@7 {  }")
    }

    @Test func patterns() {
        #expect(!OSCMessage("/likeness/speed").isPattern)
        #expect(OSCMessage("/likeness/*").isPattern)
        #expect(OSCMessage("/screen/[12]/speed").isPattern)
    }
}

// MARK: - LogLimiter

@Suite struct LogLimiterTests {
    @Test func oneLinePerKeyPerInterval() {
        var limiter = LogLimiter(interval: 10)
        #expect(limiter.admit("10.0.0.1", now: 100) == 0)
        #expect(limiter.admit("10.0.0.1", now: 101) == nil)
        #expect(limiter.admit("10.0.0.2", now: 102) == 0, "each source has its own budget")
        #expect(limiter.admit("10.0.0.1", now: 109.9) == nil)
        #expect(limiter.admit("10.0.0.1", now: 110) == 2, "the next line says how many were held back")
        #expect(limiter.admit("10.0.0.1", now: 125) == 0)
    }

    @Test func boundedMemory() {
        var limiter = LogLimiter(interval: 10, capacity: 4)
        for index in 0..<4 { #expect(limiter.admit("k\(index)", now: 0) == 0) }
        #expect(limiter.admit("new", now: 1) == 0, "a full table sends newcomers to one shared slot")
        #expect(limiter.admit("newer", now: 2) == nil)
        #expect(limiter.admit("newest", now: 20) == 0, "expired keys make room again")
        #expect(limiter.admit("k0", now: 21) == 0)
    }
}

// MARK: - Endpoints

@Suite struct OSCEndpointTests {
    @Test(arguments: [
        ("127.0.0.1:7000", "127.0.0.1", UInt16(7000)), ("0.0.0.0:0", "0.0.0.0", 0), ("255.255.255.255:65535", "255.255.255.255", 65535),
        ("10.0.0.5:9000", "10.0.0.5", 9000),
    ])
    func parses(text: String, host: String, port: UInt16) throws {
        let endpoint = try OSCEndpoint.parseEndpoint(text)
        #expect(endpoint.host == host && endpoint.port == port)
    }

    @Test(arguments: [
        ("127.0.0.1", "it has no ':port'"), (":7000", "it has no host"),
        ("localhost:7000", "\"localhost\" is a host name; names are not resolved, only IPv4 addresses are accepted"),
        ("[::1]:7000", "IPv6 is not supported, only IPv4"), ("::1:7000", "IPv6 is not supported, only IPv4"),
        ("256.0.0.1:7000", "\"256.0.0.1\" is not an IPv4 address"), ("1.2.3:7000", "\"1.2.3\" is not an IPv4 address"),
        ("01.2.3.4:7000", "\"01.2.3.4\" is not an IPv4 address"), ("1.2.3.4.5:7000", "\"1.2.3.4.5\" is not an IPv4 address"),
        ("1.2.3.4:", "the port \"\" is not a number from 0 to 65535"), ("1.2.3.4:65536", "the port \"65536\" is not a number from 0 to 65535"),
        ("1.2.3.4:+80", "the port \"+80\" is not a number from 0 to 65535"), ("1.2.3.4:007000", "the port \"007000\" is not a number from 0 to 65535"),
        ("1.2.3.4:٣", "the port \"٣\" is not a number from 0 to 65535"),
    ])
    func refuses(text: String, reason: String) {
        #expect(throws: OSCError.invalidEndpoint(text, reason: reason)) { try OSCEndpoint.parseEndpoint(text) }
    }

    @Test func blocks() throws {
        let ten = try #require(IPv4.Block("10.0.0.0/8"))
        #expect(ten.contains(try #require(IPv4.parse("10.255.1.2"))))
        #expect(!ten.contains(try #require(IPv4.parse("11.0.0.1"))))
        let anyone = try #require(IPv4.Block("0.0.0.0/0"))
        #expect(anyone.contains(0) && anyone.contains(.max))
        let one = try #require(IPv4.Block("192.168.1.20"))
        #expect(one.contains(0xC0A8_0114) && !one.contains(0xC0A8_0115))
        #expect(IPv4.Block("10.1.2.3/8") == ten, "host bits below the mask are ignored")
        for bad in ["", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8/8", "10/8", "ten"] {
            #expect(IPv4.Block(bad) == nil, "\(bad)")
        }
        #expect(IPv4.format(0x7F00_0001) == "127.0.0.1")
    }
}

// MARK: - Sockets

/// What a receiver handed over, from its thread.
final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var _packets: [OSCPacket] = []
    private var _sources: [String] = []
    private var _errors: [String] = []

    var packets: [OSCPacket] { lock.withLock { _packets } }
    var sources: [String] { lock.withLock { _sources } }
    var errors: [String] { lock.withLock { _errors } }

    func add(_ packet: OSCPacket, from source: String) { lock.withLock { _packets.append(packet); _sources.append(source) } }
    func add(error: String) { lock.withLock { _errors.append(error) } }
}

/// Polls `condition` every 5 ms until it holds or `seconds` pass.
func eventually(within seconds: Double = 5, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

@Suite(.serialized) struct OSCSocketTests {
    @Test func loopbackRoundTrip() async throws {
        let received = Received()
        let receiver = try OSCReceiver(host: "127.0.0.1", port: 0, handler: { received.add($0, from: $1) }, onError: { received.add(error: $0) })
        defer { receiver.stop() }
        #expect(receiver.port != 0)
        let sender = try OSCSender(host: "127.0.0.1", port: receiver.port)
        let bundle = OSCPacket.bundle(OSCBundle(elements: [
            .message(OSCMessage("/likeness/speed", [.float32(0.5)])),
            .message(OSCMessage("/likeness/exhibition", [.string("night")])),
        ]))
        #expect(sender.send(bundle))
        #expect(try await eventually { !received.packets.isEmpty })
        #expect(received.packets == [bundle])
        #expect(received.packets.first?.messages().map(\.address) == ["/likeness/speed", "/likeness/exhibition"])
        #expect(received.sources.first?.hasPrefix("127.0.0.1:") == true)

        // A malformed datagram is a line, and the receiver keeps going.
        #expect(sender.send(.message(OSCMessage("no slash"))))
        #expect(try await eventually { !received.errors.isEmpty })
        #expect(received.errors.first?.hasPrefix("malformed OSC from 127.0.0.1:") == true)
        #expect(sender.send(OSCMessage("/after")))
        #expect(try await eventually { received.packets.count == 2 })
    }

    @Test func dropsSourcesOutsideTheAllowList() async throws {
        let received = Received()
        let receiver = try OSCReceiver(
            host: "127.0.0.1", port: 0, allowed: ["10.0.0.0/8"],
            handler: { received.add($0, from: $1) }, onError: { received.add(error: $0) }
        )
        defer { receiver.stop() }
        let sender = try OSCSender(host: "127.0.0.1", port: receiver.port)
        for _ in 0..<3 { sender.send(OSCMessage("/likeness/speed", [.float32(2)])) }
        #expect(try await eventually { !received.errors.isEmpty })
        let line = try #require(received.errors.first)
        #expect(line.hasPrefix("dropped OSC from 127.0.0.1:") && line.contains("not in the allow list (10.0.0.0/8)"), "\(line)")
        // The other two are held back by the limiter; give them a moment to (not) arrive.
        try await Task.sleep(for: .milliseconds(50))
        #expect(received.errors.count == 1)
        #expect(received.packets.isEmpty)
    }

    @Test func portInUseAndStop() throws {
        let first = try OSCReceiver(port: 0, handler: { _, _ in })
        let port = first.port
        #expect(throws: OSCError.cannotListen(endpoint: "127.0.0.1:\(port)", reason: "address in use")) {
            try OSCReceiver(port: port, handler: { _, _ in })
        }
        first.stop()
        first.stop()
        // stop() closed the socket, so the port is free again.
        let second = try OSCReceiver(port: port, handler: { _, _ in })
        #expect(second.port == port)
    }

    @Test func refusesBadSettings() {
        #expect(throws: OSCError.invalidEndpoint("localhost:7000", reason: "\"localhost\" is not an IPv4 address (IPv6 and host names are not supported)")) {
            try OSCReceiver(host: "localhost", port: 7000, handler: { _, _ in })
        }
        #expect(throws: OSCError.invalidAllowEntry("10.0.0.0/40")) {
            try OSCReceiver(port: 0, allowed: ["10.0.0.0/40"], handler: { _, _ in })
        }
        #expect(throws: OSCError.invalidEndpoint("127.0.0.1:0", reason: "port 0 cannot be sent to")) {
            try OSCSender(host: "127.0.0.1", port: 0)
        }
        #expect(OSCError.cannotListen(endpoint: "0.0.0.0:7000", reason: "address in use").description
            .hasPrefix("cannot listen for OSC on 0.0.0.0:7000: address in use; "))
    }

    @Test func sendingTooMuchIsFalseNotAnError() throws {
        let sender = try OSCSender(host: "127.0.0.1", port: 9)
        #expect(!sender.send(OSCMessage("/big", [.blob(Array(repeating: 0, count: 70_000))])))
    }
}

// MARK: - SplitMix64

/// SplitMix64 (Steele, Lea & Flood 2014), so the robustness loops are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (0 when `bound` is 0 or less).
    mutating func below(_ bound: Int) -> Int { bound > 0 ? Int(next() % UInt64(bound)) : 0 }
}

// MARK: - Receiver lifetime

/// Holds the receiver for its own handler.
final class ReceiverBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _receiver: OSCReceiver?
    var receiver: OSCReceiver? {
        get { lock.withLock { _receiver } }
        set { lock.withLock { _receiver = newValue } }
    }
}

@Suite(.serialized) struct OSCReceiverLifetimeTests {
    @Test func stopFromTheHandlerDoesNotWaitForItself() async throws {
        let received = Received()
        let box = ReceiverBox()
        let receiver = try OSCReceiver(port: 0, handler: { packet, from in
            box.receiver?.stop()
            received.add(packet, from: from)
        })
        box.receiver = receiver
        let sender = try OSCSender(host: "127.0.0.1", port: receiver.port)
        sender.send(OSCMessage("/stop"))
        #expect(try await eventually { received.packets.count == 1 })
        receiver.stop()
        box.receiver = nil
    }

    @Test func droppingTheReceiverClosesItsSocket() async throws {
        var receiver: OSCReceiver? = try OSCReceiver(port: 0, handler: { _, _ in })
        let port = try #require(receiver?.port)
        receiver = nil
        let again = try OSCReceiver(port: port, handler: { _, _ in })
        #expect(again.port == port)
    }
}
