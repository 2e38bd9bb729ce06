// MARK: - Mutator

/// Turns one input into a nearby one: byte flips and overwrites, insertions, deletions, copies within the
/// input, splices with another corpus entry, and a target's dictionary tokens (`[`, `]]`, `"""`, `=` …),
/// one to four at a time, as libFuzzer's default mutators do.
public struct Mutator: Sendable {
    /// Tokens worth inserting whole (syntax, keys, boundary numbers).
    public let dictionary: [[UInt8]]
    /// Inputs never grow past this many bytes.
    public let maximumLength: Int

    public init(dictionary: [[UInt8]], maximumLength: Int) {
        self.dictionary = dictionary
        self.maximumLength = maximumLength
    }

    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x0A, 0x0D, 0x20, 0x22, 0x27, 0x2E, 0x3D, 0x5B, 0x5D, 0x7B, 0x7F, 0x80, 0xC0, 0xFF]

    /// A mutated copy of `input`; `corpus` supplies the other half of splices.
    public func mutate(_ input: [UInt8], corpus: [[UInt8]], random: inout FuzzRandom) -> [UInt8] {
        var data = input
        for _ in 0..<(1 + random.below(4)) {
            mutateOnce(&data, corpus: corpus, random: &random)
        }
        if data.count > maximumLength { data.removeLast(data.count - maximumLength) }
        return data
    }

    private func mutateOnce(_ data: inout [UInt8], corpus: [[UInt8]], random: inout FuzzRandom) {
        switch random.below(11) {
        case 0 where !data.isEmpty: // flip a bit
            data[random.below(data.count)] ^= 1 << UInt8(random.below(8))
        case 1 where !data.isEmpty: // overwrite a byte
            let value = random.oneIn(2) ? Self.interestingBytes[random.below(Self.interestingBytes.count)] : UInt8(truncatingIfNeeded: random.next())
            data[random.below(data.count)] = value
        case 2: // insert random bytes
            let bytes = (0..<1 + random.below(8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            data.insert(contentsOf: bytes, at: random.below(data.count + 1))
        case 3 where !data.isEmpty: // delete a range
            let start = random.below(data.count)
            let length = 1 + random.below(min(data.count - start, random.oneIn(4) ? data.count : 16))
            data.removeSubrange(start..<start + length)
        case 4 where !data.isEmpty: // copy a range elsewhere
            let start = random.below(data.count)
            let length = 1 + random.below(min(data.count - start, 64))
            let chunk = Array(data[start..<start + length])
            data.insert(contentsOf: chunk, at: random.below(data.count + 1))
        case 5 where !corpus.isEmpty: // splice: our head, another entry's tail
            let other = corpus[random.below(corpus.count)]
            let head = random.below(data.count + 1), tail = random.below(other.count + 1)
            data = Array(data[..<head]) + Array(other[tail...])
        case 6 where !dictionary.isEmpty, 7 where !dictionary.isEmpty: // insert a token
            data.insert(contentsOf: dictionary[random.below(dictionary.count)], at: random.below(data.count + 1))
        case 8 where !dictionary.isEmpty && !data.isEmpty: // overwrite with a token
            let token = dictionary[random.below(dictionary.count)]
            let start = random.below(data.count)
            data.replaceSubrange(start..<min(data.count, start + token.count), with: token)
        case 9 where !data.isEmpty: // cut the end off
            data.removeLast(random.below(data.count) + 1)
        case 10 where data.count > 2: // swap two ranges (moves lines and headers around)
            let a = random.below(data.count), b = random.below(data.count)
            let (first, second) = (min(a, b), max(a, b))
            let length = 1 + random.below(min(second - first + 1, 32))
            guard first + length <= second, second + length <= data.count else { return }
            let left = Array(data[first..<first + length]), right = Array(data[second..<second + length])
            data.replaceSubrange(second..<second + length, with: left)
            data.replaceSubrange(first..<first + length, with: right)
        default: // the chosen mutation did not apply: insert one interesting byte
            data.insert(Self.interestingBytes[random.below(Self.interestingBytes.count)], at: random.below(data.count + 1))
        }
    }
}
