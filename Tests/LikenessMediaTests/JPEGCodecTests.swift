import Foundation
import Testing
@testable import LikenessMedia

// MARK: - Reading the file back

/// One marker segment: the byte after 0xFF, and what its length field covers (less the two length bytes).
private struct JPEGSegment {
    let marker: UInt8
    let payload: ArraySlice<UInt8>
}

/// Splits a JPEG into its marker segments up to and including SOS, and the entropy-coded bytes between SOS
/// and EOI; `nil` when it does not start with SOI, end with EOI, or a length runs past the end.
private func jpegSegments(_ bytes: [UInt8]) -> (segments: [JPEGSegment], entropy: ArraySlice<UInt8>)? {
    guard bytes.count >= 4, bytes.prefix(2) == [0xFF, 0xD8], bytes.suffix(2) == [0xFF, 0xD9] else { return nil }
    var segments: [JPEGSegment] = []
    var i = 2
    while i + 4 <= bytes.count, bytes[i] == 0xFF {
        let marker = bytes[i + 1]
        let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        guard length >= 2, i + 2 + length <= bytes.count - 2 else { return nil }
        segments.append(JPEGSegment(marker: marker, payload: bytes[(i + 4)..<(i + 2 + length)]))
        i += 2 + length
        if marker == 0xDA { return (segments, bytes[i..<(bytes.count - 2)]) }
    }
    return nil
}

/// The payload of the one segment with `marker`.
private func payload(_ segments: [JPEGSegment], _ marker: UInt8) throws -> [UInt8] {
    let matching = segments.filter { $0.marker == marker }
    try #require(matching.count == 1, "expected one segment 0xFF\(String(marker, radix: 16, uppercase: true))")
    return Array(matching[0].payload)
}

/// Walks the Huffman-coded scan with the file's own DHT tables, as a decoder would but without the IDCT, and
/// returns the number of blocks read; `nil` for a code that is not in a table, a size out of range, a block
/// that runs past 64 coefficients, or anything left after the last MCU but fewer than eight one bits.
private func walkScan(_ bytes: [UInt8]) throws -> Int? {
    let (segments, entropy) = try #require(jpegSegments(bytes))
    let frame = try payload(segments, 0xC0)
    let height = Int(frame[1]) << 8 | Int(frame[2]), width = Int(frame[3]) << 8 | Int(frame[4])
    let lumaSampling = Int(frame[7] >> 4)
    let mcu = 8 * lumaSampling
    let mcus = ((width + mcu - 1) / mcu) * ((height + mcu - 1) / mcu)

    // Tables: class and id → [(length, code)] → symbol.
    var tables: [UInt8: [Int: UInt8]] = [:]
    let huffman = try payload(segments, 0xC4)
    var i = 0
    while i < huffman.count {
        let counts = huffman[(i + 1)...(i + 16)].map(Int.init)
        var values = huffman[(i + 17)..<(i + 17 + counts.reduce(0, +))].makeIterator()
        var table: [Int: UInt8] = [:]
        var code = 0
        for length in 1...16 {
            for _ in 0..<counts[length - 1] {
                table[length << 16 | code] = values.next()
                code += 1
            }
            code <<= 1
        }
        tables[huffman[i]] = table
        i += 17 + counts.reduce(0, +)
    }

    var bits: [Bool] = []
    var j = entropy.startIndex
    while j < entropy.endIndex {
        let byte = entropy[j]
        if byte == 0xFF {
            guard j + 1 < entropy.endIndex, entropy[j + 1] == 0x00 else { return nil }
            j += 1
        }
        bits += (0..<8).map { byte >> (7 - $0) & 1 == 1 }
        j += 1
    }
    var position = 0
    func symbol(_ table: [Int: UInt8]) -> UInt8? {
        var code = 0
        for length in 1...16 {
            guard position < bits.count else { return nil }
            code = code << 1 | (bits[position] ? 1 : 0)
            position += 1
            if let symbol = table[length << 16 | code] { return symbol }
        }
        return nil
    }
    func block(dc: UInt8, ac: UInt8) -> Bool {
        guard let dcTable = tables[dc], let acTable = tables[ac], let size = symbol(dcTable), size <= 11 else { return false }
        position += Int(size)
        var k = 1
        while k < 64 {
            guard let runSize = symbol(acTable) else { return false }
            if runSize == 0x00 { break }
            let size = Int(runSize & 0x0F)
            guard runSize == 0xF0 || (1...10).contains(size) else { return false }
            k += runSize == 0xF0 ? 16 : Int(runSize >> 4) + 1  // ZRL: sixteen zeros; else the run and the value
            position += size
        }
        return k <= 64 && position <= bits.count
    }
    let componentsPerMCU: [(dc: UInt8, ac: UInt8)] = Array(repeating: (0x00, 0x10), count: lumaSampling * lumaSampling)
        + [(0x01, 0x11), (0x01, 0x11)]
    for _ in 0..<mcus {
        for component in componentsPerMCU where !block(dc: component.dc, ac: component.ac) { return nil }
    }
    let rest = bits[position...]
    guard rest.count < 8, rest.allSatisfy({ $0 }) else { return nil }
    return mcus * componentsPerMCU.count
}

// MARK: - Tests

@Suite struct JPEGCodecTests {
    static let sizes = [(1, 1), (17, 9), (9, 17), (1, 40), (8, 8), (16, 16), (15, 15), (33, 31), (61, 47)]

    @Test(arguments: JPEGCodec.Subsampling.allCases)
    func markersComeInBaselineOrder(subsampling: JPEGCodec.Subsampling) throws {
        let bytes = JPEGCodec.encode(portraitLikeFrame(width: 40, height: 30), subsampling: subsampling)
        let (segments, entropy) = try #require(jpegSegments(bytes))
        // SOI and EOI are checked by jpegSegments.
        #expect(segments.map(\.marker) == [0xE0, 0xDB, 0xC0, 0xC4, 0xDA])
        #expect(try payload(segments, 0xE0).prefix(7) == Array("JFIF".utf8) + [0, 1, 1])
        #expect(try payload(segments, 0xDB).count == 2 * 65)
        #expect(try payload(segments, 0xDA) == [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])
        #expect(!entropy.isEmpty)
    }

    @Test(arguments: sizes, JPEGCodec.Subsampling.allCases)
    func frameHeaderHoldsTheSizeAndSampling(size: (Int, Int), subsampling: JPEGCodec.Subsampling) throws {
        let (width, height) = size
        let bytes = JPEGCodec.encode(portraitLikeFrame(width: width, height: height), subsampling: subsampling)
        let frame = try payload(try #require(jpegSegments(bytes)).segments, 0xC0)
        let luma: UInt8 = subsampling == .yuv420 ? 0x22 : 0x11
        #expect(frame == [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 3,
                          1, luma, 0, 2, 0x11, 1, 3, 0x11, 1])
    }

    /// The scan holds one MCU per tile, the padding included, and nothing more: an odd size that dropped or
    /// added a block would leave bits over or run out.
    @Test(arguments: sizes, JPEGCodec.Subsampling.allCases)
    func scanHoldsOneMCUPerTile(size: (Int, Int), subsampling: JPEGCodec.Subsampling) throws {
        let (width, height) = size
        for quality in [1, 50, 100] {
            let bytes = JPEGCodec.encode(noiseFrame(width: width, height: height), quality: quality, subsampling: subsampling)
            let mcu = subsampling == .yuv420 ? 16 : 8
            let blocksPerMCU = subsampling == .yuv420 ? 6 : 3
            let expected = ((width + mcu - 1) / mcu) * ((height + mcu - 1) / mcu) * blocksPerMCU
            #expect(try walkScan(bytes) == expected, "\(width)x\(height) at quality \(quality)")
        }
    }

    @Test func everyFFInTheScanIsStuffed() throws {
        // Noise at quality 100 codes large coefficients, so 0xFF bytes are certain to come up.
        let bytes = JPEGCodec.encode(noiseFrame(width: 64, height: 64), quality: 100, subsampling: .yuv444)
        let entropy = try #require(jpegSegments(bytes)).entropy
        let positions = entropy.indices.filter { entropy[$0] == 0xFF }
        #expect(!positions.isEmpty, "the test frame gave no 0xFF byte to stuff")
        let lone = positions.filter { $0 + 1 == entropy.endIndex || entropy[$0 + 1] != 0x00 }
        #expect(lone.isEmpty, "\(lone.count) of \(positions.count) 0xFF bytes unstuffed, the first at \(lone.prefix(5))")
    }

    @Test func bitWriterStuffsAndPadsWithOnes() {
        var writer = JPEGBitWriter(bytes: [])
        writer.write(0b1111, count: 4)
        writer.write(0b1111, count: 4)
        writer.write(0b101, count: 3)
        writer.padToByte()
        #expect(writer.bytes == [0xFF, 0x00, 0b1011_1111])
    }

    @Test func qualityOutsideTheRangeIsClamped() {
        let frame = portraitLikeFrame(width: 24, height: 20)
        #expect(JPEGCodec.encode(frame, quality: 0) == JPEGCodec.encode(frame, quality: 1))
        #expect(JPEGCodec.encode(frame, quality: -40) == JPEGCodec.encode(frame, quality: 1))
        #expect(JPEGCodec.encode(frame, quality: 101) == JPEGCodec.encode(frame, quality: 100))
        #expect(JPEGCodec.encode(frame, quality: .max) == JPEGCodec.encode(frame, quality: 100))
    }

    @Test func qualityScalesTheAnnexKTablesAsLibjpegDoes() {
        let luma = JPEGTables.luminanceQuantization
        #expect(JPEGCodec.quantizationTable(luma, quality: 50) == luma)
        #expect(JPEGCodec.quantizationTable(luma, quality: 100) == [UInt8](repeating: 1, count: 64))
        #expect(JPEGCodec.quantizationTable(luma, quality: 75).prefix(8) == [8, 6, 5, 8, 12, 20, 26, 31])
        #expect(JPEGCodec.quantizationTable(luma, quality: 10).prefix(4) == [80, 55, 50, 80])
        // 5000 % at quality 1: every entry hits the 8-bit ceiling.
        #expect(JPEGCodec.quantizationTable(JPEGTables.chrominanceQuantization, quality: 1) == [UInt8](repeating: 255, count: 64))
    }

    @Test func higherQualityKeepsMoreBytes() {
        let frame = portraitLikeFrame(width: 96, height: 80)
        let sizes = [5, 25, 50, 75, 90, 100].map { JPEGCodec.encode(frame, quality: $0).count }
        #expect(sizes == sizes.sorted() && Set(sizes).count == sizes.count, "sizes by quality: \(sizes)")
    }

    @Test func quarterChromaTakesFewerBytes() {
        let frame = portraitLikeFrame(width: 96, height: 80)
        #expect(JPEGCodec.encode(frame, subsampling: .yuv420).count < JPEGCodec.encode(frame, subsampling: .yuv444).count)
    }

    @Test func encodingIsDeterministic() {
        let frame = portraitLikeFrame(width: 50, height: 34, seed: 3)
        #expect(JPEGCodec.encode(frame) == JPEGCodec.encode(frame))
    }

    @Test func zigzagIsTheStandardOrder() {
        #expect(JPEGTables.zigzag.prefix(16) == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5])
        #expect(JPEGTables.zigzag.suffix(6) == [61, 54, 47, 55, 62, 63])
        #expect(JPEGTables.zigzag.sorted() == Array(0..<64))
    }

    /// Spot checks against the code columns of T.81 tables K.3 and K.5, and that every table is a complete
    /// prefix code over the symbols baseline can emit.
    @Test func huffmanCodesAreThoseOfAnnexK() {
        let dc = JPEGTables.luminanceDC.codes()
        #expect((0...7).map { dc.length[$0] } == [2, 3, 3, 3, 3, 3, 4, 5])
        #expect((0...7).map { dc.code[$0] } == [0b00, 0b010, 0b011, 0b100, 0b101, 0b110, 0b1110, 0b11110])
        let ac = JPEGTables.luminanceAC.codes()
        #expect(ac.code[0x00] == 0b1010 && ac.length[0x00] == 4)  // EOB
        #expect(ac.code[0x01] == 0b00 && ac.length[0x01] == 2)
        #expect(ac.code[0x11] == 0b1100 && ac.length[0x11] == 4)
        #expect(ac.code[0xF0] == 0b111_1111_1001 && ac.length[0xF0] == 11)  // ZRL
        #expect(ac.code[0xFA] == 0xFFFE && ac.length[0xFA] == 16)

        for spec in [JPEGTables.luminanceDC, JPEGTables.chrominanceDC, JPEGTables.luminanceAC, JPEGTables.chrominanceAC] {
            let isAC = spec.values.count > 12
            let symbols: [Int] = isAC ? [0x00, 0xF0] + (0...15).flatMap { run in (1...10).map { run << 4 | $0 } } : Array(0...11)
            #expect(spec.values.map(Int.init).sorted() == symbols.sorted())
            let codes = spec.codes()
            // Kraft sum below one (the all-ones code of each length is left out, T.81 C) and no code a prefix of another.
            let kraft = symbols.reduce(0.0) { $0 + pow(2, -Double(codes.length[$1])) }
            #expect(kraft < 1)
            for a in symbols {
                for b in symbols where a != b && codes.length[a] <= codes.length[b] {
                    let shift = UInt16(codes.length[b] - codes.length[a])
                    #expect(codes.code[b] >> shift != codes.code[a], "code of \(a) is a prefix of \(b)")
                }
            }
        }
    }

    @Test func magnitudeCategoriesAndBits() {
        #expect([0, 1, -1, 2, 3, -3, 4, 1023, -1024, 2047].map { JPEGScanEncoder.magnitudeSize(Int32($0)) }
                == [0, 1, 1, 2, 2, 2, 3, 10, 11, 11])
        // Negative values are sent as value − 1 in `size` bits: −1 → 0, −3 → 00, −2 → 01.
        #expect(JPEGScanEncoder.magnitudeBits(-1, size: 1) == 0b0)
        #expect(JPEGScanEncoder.magnitudeBits(-3, size: 2) == 0b00)
        #expect(JPEGScanEncoder.magnitudeBits(-2, size: 2) == 0b01)
        #expect(JPEGScanEncoder.magnitudeBits(3, size: 2) == 0b11)
        #expect(JPEGScanEncoder.magnitudeBits(-1023, size: 10) == 0)
    }

    /// The fast scaled DCT against the textbook sum, over blocks of noise and of flat and extreme values;
    /// normalised MSE ≤ 1e-7 as every fast kernel (CONVENTIONS.md).
    @Test(arguments: [1, 2, 3, 4, 5])
    func fastDCTMatchesTheReference(seed: UInt64) {
        var state = seed
        var samples: [Float] = (0..<64).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 56)) - 128
        }
        if seed == 4 { samples = [Float](repeating: -128, count: 64) }
        if seed == 5 { samples = (0..<64).map { ($0 / 8 + $0 % 8) % 2 == 0 ? 127 : -128 } }
        // A stride wider than the block, as in a strip.
        let stride = 13
        var strip = [Float](repeating: .nan, count: 7 * stride + 8)
        for y in 0..<8 { for x in 0..<8 { strip[y * stride + x] = samples[y * 8 + x] } }
        var fast = [Float](repeating: 0, count: 64)
        strip.withUnsafeBufferPointer { source in
            fast.withUnsafeMutableBufferPointer { JPEGDCT.forward(source.baseAddress!, stride: stride, into: $0.baseAddress!) }
        }
        let reference = JPEGDCT.reference(samples.map(Double.init))
        var error = 0.0, energy = 0.0, worst = (delta: 0.0, at: 0)
        for v in 0..<8 {
            for u in 0..<8 {
                let scale = 8 * JPEGTables.aanScale[u] * JPEGTables.aanScale[v]
                let delta = abs(Double(fast[u * 8 + v]) / scale - reference[v * 8 + u])
                error += delta * delta
                energy += reference[v * 8 + u] * reference[v * 8 + u]
                if delta > worst.delta { worst = (delta, v * 8 + u) }
            }
        }
        #expect(error / max(energy, 1) <= 1e-7, "max |Δ| \(worst.delta) at coefficient \(worst.at)")
    }
}
