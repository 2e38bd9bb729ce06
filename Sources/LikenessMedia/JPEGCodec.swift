import Foundation

// MARK: - JPEGCodec

/// Writes baseline sequential JPEG (JFIF 1.01) files: 8-bit YCbCr, Huffman-coded, one interleaved scan.
///
/// Our own encoder because the remote-control snapshots (`GET /api/snapshot/<screen>.jpg`) need JPEG and
/// libjpeg is not among the system libraries the project links. It follows ITU-T T.81 (the JPEG standard)
/// and its Annex K, the choices every decoder handles:
/// - colour: full-range YCbCr as JFIF defines it, chroma either at half width and height (4:2:0, the
///   default) or at full resolution (4:4:4);
/// - quantisation: the Annex K example tables (K.1 luminance, K.2 chrominance) scaled by a quality in
///   1...100 with the Independent JPEG Group's formula, so a quality means what it means to libjpeg, Pillow
///   and ImageMagick;
/// - entropy coding: the Annex K "typical" Huffman tables (K.3–K.6), not optimised per image, so the
///   frame is read once and coded in one pass;
/// - the forward DCT: Arai, Agui and Nakajima's scaled DCT (1988) in floating point, its output scales
///   folded into the quantiser, eight columns at a time in `SIMD8<Float>`;
/// - sizes that are not a multiple of the MCU (8 or 16 pixels) are padded by repeating the last column and
///   row, which a decoder crops away; a width or height above 65535 cannot be written in the format.
///
/// The output is deterministic: the same frame, quality and subsampling always give the same bytes, and its
/// tables are byte for byte those libjpeg writes for the same quality without `optimize`. A 1080x1080 frame
/// takes 6–13 ms at 4:2:0 (quality 50–95) and 10–19 ms at 4:4:4 on one core in a release build; the only
/// allocations are the output and one MCU-high strip of planes per call, none per block.
public enum JPEGCodec {
    /// How the two chroma planes are sampled against luma.
    public enum Subsampling: Sendable, Equatable, CaseIterable, CustomStringConvertible {
        /// Cb and Cr at half width and half height: a 16x16 MCU of four luma blocks and one block of each
        /// chroma plane. The usual choice for photographs and faces, about three quarters of the bytes of 4:4:4.
        case yuv420
        /// Cb and Cr at full resolution: an 8x8 MCU of one block per plane. Keeps thin coloured edges (text,
        /// line art) sharp.
        case yuv444

        /// Luma pixels per MCU side, and per chroma sample side.
        var mcuSize: Int { self == .yuv420 ? 16 : 8 }
        var chromaFactor: Int { self == .yuv420 ? 2 : 1 }

        /// `4:2:0` or `4:4:4`.
        public var description: String { self == .yuv420 ? "4:2:0" : "4:4:4" }
    }

    /// The qualities `encode` distinguishes; others are clamped into this range.
    public static let qualities = 1...100

    /// The largest width or height a JPEG frame header can hold.
    public static let maximumSide = 65535

    /// Encodes a frame as a baseline JFIF file.
    ///
    /// `quality` means what it means to libjpeg, Pillow and ImageMagick: 50 gives the Annex K tables
    /// unchanged, 100 divides by one (near lossless but large), 1 is a blur. Values outside 1...100 are
    /// clamped, so a user's number can be passed straight through.
    ///
    /// - Precondition: `frame.width` and `frame.height` at most 65535 (the format stores them in 16 bits), and
    ///   `frame.pixels` the `width * height * 3` bytes `Frame` promises (its `pixels` is a `var`).
    public static func encode(_ frame: Frame, quality: Int = 85, subsampling: Subsampling = .yuv420) -> [UInt8] {
        precondition(frame.width <= maximumSide && frame.height <= maximumSide,
                     "a JPEG side is at most \(maximumSide) pixels, got \(frame.width)x\(frame.height); resample first")
        precondition(frame.pixels.count == frame.width * frame.height * 3,
                     "frame of \(frame.width)x\(frame.height) needs \(frame.width * frame.height * 3) bytes, got \(frame.pixels.count)")
        let quality = min(max(quality, qualities.lowerBound), qualities.upperBound)
        let lumaTable = quantizationTable(JPEGTables.luminanceQuantization, quality: quality)
        let chromaTable = quantizationTable(JPEGTables.chrominanceQuantization, quality: quality)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(frame.width * frame.height / 4 + 1024)
        bytes += [0xFF, 0xD8]  // SOI
        bytes += applicationSegment()
        bytes += quantizationSegment(luma: lumaTable, chroma: chromaTable)
        bytes += frameSegment(width: frame.width, height: frame.height, subsampling: subsampling)
        bytes += huffmanSegment()
        bytes += scanSegment()
        // Handed over, not shared, so the scan appends into the reserved buffer without copying it.
        var scan = JPEGScanEncoder(frame: frame, subsampling: subsampling,
                                   lumaTable: lumaTable, chromaTable: chromaTable, output: consume bytes)
        scan.encodeAll()
        var file = scan.finish()
        file += [0xFF, 0xD9]  // EOI
        return file
    }

    // MARK: - Quantisation

    /// An Annex K table scaled to a quality in 1...100, IJG style: `5000 / q` percent below 50, `200 - 2q`
    /// from 50 on, each entry rounded and kept in 1...255 (8-bit tables, as baseline requires).
    ///
    /// Layout: natural (row-major) order, `[v * 8 + u]` for vertical frequency `v`, horizontal `u`.
    static func quantizationTable(_ base: [UInt8], quality: Int) -> [UInt8] {
        let quality = min(max(quality, qualities.lowerBound), qualities.upperBound)
        let percent = quality < 50 ? 5000 / quality : 200 - 2 * quality
        return base.map { entry in
            UInt8(min(max((Int(entry) * percent + 50) / 100, 1), 255))
        }
    }

    // MARK: - Marker segments

    /// APP0 "JFIF": version 1.01, no physical density (aspect 1:1), no thumbnail. Tells decoders the
    /// components are YCbCr as JFIF defines it.
    static func applicationSegment() -> [UInt8] {
        [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
    }

    /// DQT with table 0 (luma) and table 1 (chroma), 8-bit entries in zigzag order.
    static func quantizationSegment(luma: [UInt8], chroma: [UInt8]) -> [UInt8] {
        var segment: [UInt8] = [0xFF, 0xDB] + bigEndian(2 + 2 * 65)
        for (id, table) in [luma, chroma].enumerated() {
            segment.append(UInt8(id))  // Pq = 0 (8-bit), Tq = id
            segment += JPEGTables.zigzag.map { table[$0] }
        }
        return segment
    }

    /// SOF0 (baseline): 8-bit samples, the size, and three components Y (1), Cb (2), Cr (3) with their
    /// sampling factors and quantisation tables.
    static func frameSegment(width: Int, height: Int, subsampling: Subsampling) -> [UInt8] {
        let lumaSampling: UInt8 = subsampling == .yuv420 ? 0x22 : 0x11
        return [0xFF, 0xC0] + bigEndian(8 + 3 * 3) + [8] + bigEndian(height) + bigEndian(width) + [3,
            1, lumaSampling, 0,
            2, 0x11, 1,
            3, 0x11, 1]
    }

    /// DHT with the four Annex K tables: DC 0 and AC 0 for luma, DC 1 and AC 1 for chroma.
    static func huffmanSegment() -> [UInt8] {
        let tables: [(classAndID: UInt8, spec: HuffmanSpec)] = [
            (0x00, JPEGTables.luminanceDC), (0x10, JPEGTables.luminanceAC),
            (0x01, JPEGTables.chrominanceDC), (0x11, JPEGTables.chrominanceAC),
        ]
        let length = 2 + tables.reduce(0) { $0 + 17 + $1.spec.values.count }
        var segment: [UInt8] = [0xFF, 0xC4] + bigEndian(length)
        for table in tables {
            segment.append(table.classAndID)
            segment += table.spec.counts
            segment += table.spec.values
        }
        return segment
    }

    /// SOS: one scan of all three components (Y with tables 0/0, Cb and Cr with 1/1), spectral selection
    /// 0...63 and no successive approximation, as baseline requires.
    static func scanSegment() -> [UInt8] {
        [0xFF, 0xDA] + bigEndian(6 + 2 * 3) + [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]
    }

    /// Two bytes, most significant first (all JPEG lengths and sizes).
    private static func bigEndian(_ value: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

// MARK: - Tables

/// One Huffman table as a DHT segment stores it (T.81 B.2.4.2): how many codes of each length 1...16,
/// then the symbols in order of increasing code.
struct HuffmanSpec: Sendable {
    /// `counts[i]`: the number of codes of length `i + 1`.
    let counts: [UInt8]
    let values: [UInt8]

    /// The code of every symbol, assigned as T.81 Annex C does: codes of one length are consecutive, and the next length starts at the following
    /// code shifted left by one.
    func codes() -> HuffmanCodes {
        var code = [UInt16](repeating: 0, count: 256)
        var length = [UInt8](repeating: 0, count: 256)
        var next: UInt32 = 0
        var index = 0
        for bits in 1...16 {
            for _ in 0..<Int(counts[bits - 1]) {
                code[Int(values[index])] = UInt16(next)
                length[Int(values[index])] = UInt8(bits)
                next += 1
                index += 1
            }
            next <<= 1
        }
        return HuffmanCodes(code: code, length: length)
    }
}

/// A Huffman table ready for encoding: the code and its length in bits for every symbol 0...255 (length 0:
/// the symbol has no code).
struct HuffmanCodes: Sendable {
    let code: [UInt16]
    let length: [UInt8]
}

/// The constant tables of T.81 Annex K and the zigzag order.
enum JPEGTables {
    /// Table K.1, natural order.
    static let luminanceQuantization: [UInt8] = [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ]

    /// Table K.2, natural order.
    static let chrominanceQuantization: [UInt8] = [
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    ]

    /// Table K.3: luminance DC differences, categories 0...11.
    static let luminanceDC = HuffmanSpec(
        counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
        values: Array(0...11))

    /// Table K.4: chrominance DC differences, categories 0...11.
    static let chrominanceDC = HuffmanSpec(
        counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
        values: Array(0...11))

    /// Table K.5: luminance AC, symbols `run << 4 | size`, 0x00 end of block, 0xF0 sixteen zeros.
    static let luminanceAC = HuffmanSpec(
        counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D],
        values: [
            0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
            0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
            0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
            0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
            0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
            0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
            0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
            0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
            0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
            0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
            0xF9, 0xFA,
        ])

    /// Table K.6: chrominance AC.
    static let chrominanceAC = HuffmanSpec(
        counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
        values: [
            0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
            0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
            0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
            0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
            0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
            0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
            0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
            0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
            0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
            0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
            0xF9, 0xFA,
        ])

    /// `zigzag[k]`: the natural index (`v * 8 + u`) of the `k`-th coefficient in coding order, which walks
    /// the anti-diagonals `u + v = s`, upwards for even `s` and downwards for odd (T.81 figure 5).
    static let zigzag: [Int] = {
        var order: [Int] = []
        order.reserveCapacity(64)
        for sum in 0..<15 {
            let rows = max(0, sum - 7)...min(sum, 7)
            for row in sum % 2 == 0 ? Array(rows.reversed()) : Array(rows) {
                order.append(row * 8 + (sum - row))
            }
        }
        return order
    }()

    /// Arai–Agui–Nakajima output scales: `√2 · cos(kπ/16)`, and 1 for k = 0. Coefficient `(v, u)` of
    /// `JPEGDCT.forward` is the orthonormal DCT's times `8 · scale[v] · scale[u]`.
    static let aanScale: [Double] = (0..<8).map { k in
        k == 0 ? 1 : 2.0.squareRoot() * cos(Double(k) * Double.pi / 16)
    }
}

// MARK: - Forward DCT

/// The 8x8 forward DCT of T.81 A.3.3 (F(u,v) = ¼ C(u) C(v) Σ Σ f(x,y) cos((2x+1)uπ/16) cos((2y+1)vπ/16)),
/// fast and reference.
enum JPEGDCT {
    /// Eight vectors: one row or column of a block each, or eight rows side by side.
    struct Lanes {
        var l0, l1, l2, l3, l4, l5, l6, l7: SIMD8<Float>
    }

    /// Arai, Agui and Nakajima's 1-D DCT (5 multiplications, 29 additions) on eight lanes at once, each lane
    /// element an independent signal `l0[i] … l7[i]`. Output `k` is the orthonormal DCT's times
    /// `√8 · aanScale[k]`; after both passes that is `8 · aanScale[v] · aanScale[u]`, which the quantiser
    /// divides out.
    @inline(__always)
    static func butterfly(_ b: inout Lanes) {
        let t0 = b.l0 + b.l7, t7 = b.l0 - b.l7
        let t1 = b.l1 + b.l6, t6 = b.l1 - b.l6
        let t2 = b.l2 + b.l5, t5 = b.l2 - b.l5
        let t3 = b.l3 + b.l4, t4 = b.l3 - b.l4

        // Even part.
        let e10 = t0 + t3, e13 = t0 - t3
        let e11 = t1 + t2, e12 = t1 - t2
        b.l0 = e10 + e11
        b.l4 = e10 - e11
        let z1 = (e12 + e13) * 0.707106781
        b.l2 = e13 + z1
        b.l6 = e13 - z1

        // Odd part.
        let o10 = t4 + t5, o11 = t5 + t6, o12 = t6 + t7
        let z5 = (o10 - o12) * 0.382683433
        let z2 = o10 * 0.541196100 + z5
        let z4 = o12 * 1.306562965 + z5
        let z3 = o11 * 0.707106781
        let z11 = t7 + z3, z13 = t7 - z3
        b.l5 = z13 + z2
        b.l3 = z13 - z2
        b.l1 = z11 + z4
        b.l7 = z11 - z4
    }

    /// The scaled 2-D DCT of one block read from `source` (rows `stride` floats apart, level-shifted samples).
    ///
    /// Layout: `output[u * 8 + v]` for horizontal frequency `u`, vertical `v` — transposed against natural
    /// order, which saves transposing back; `JPEGScanEncoder` reads it through its own index table.
    /// `output` holds 64 floats.
    @inline(__always)
    static func forward(_ source: UnsafePointer<Float>, stride: Int, into output: UnsafeMutablePointer<Float>) {
        func row(_ y: Int) -> SIMD8<Float> {
            UnsafeRawPointer(source + y * stride).loadUnaligned(as: SIMD8<Float>.self)
        }
        // Columns: lane y holds row y, so the butterfly runs down all eight columns at once.
        var block = Lanes(l0: row(0), l1: row(1), l2: row(2), l3: row(3), l4: row(4), l5: row(5), l6: row(6), l7: row(7))
        butterfly(&block)
        // Transpose through `output`, then rows: lane x holds column x of the vertical frequencies.
        store(block, to: output)
        func column(_ x: Int) -> SIMD8<Float> {
            SIMD8(output[x], output[8 + x], output[16 + x], output[24 + x],
                  output[32 + x], output[40 + x], output[48 + x], output[56 + x])
        }
        block = Lanes(l0: column(0), l1: column(1), l2: column(2), l3: column(3),
                      l4: column(4), l5: column(5), l6: column(6), l7: column(7))
        butterfly(&block)
        store(block, to: output)
    }

    @inline(__always)
    private static func store(_ block: Lanes, to output: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(output)
        raw.storeBytes(of: block.l0, toByteOffset: 0, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l1, toByteOffset: 32, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l2, toByteOffset: 64, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l3, toByteOffset: 96, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l4, toByteOffset: 128, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l5, toByteOffset: 160, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l6, toByteOffset: 192, as: SIMD8<Float>.self)
        raw.storeBytes(of: block.l7, toByteOffset: 224, as: SIMD8<Float>.self)
    }

    /// The textbook definition, in `Double`: 64 samples in natural order to 64 coefficients in natural order
    /// (`[v * 8 + u]`), unscaled. Tests compare `forward` with it.
    static func reference(_ samples: [Double]) -> [Double] {
        precondition(samples.count == 64, "a block has 64 samples")
        var coefficients = [Double](repeating: 0, count: 64)
        for v in 0..<8 {
            for u in 0..<8 {
                var sum = 0.0
                for y in 0..<8 {
                    for x in 0..<8 {
                        sum += samples[y * 8 + x]
                            * cos(Double(2 * x + 1) * Double(u) * Double.pi / 16)
                            * cos(Double(2 * y + 1) * Double(v) * Double.pi / 16)
                    }
                }
                let cu = u == 0 ? 1 / 2.0.squareRoot() : 1
                let cv = v == 0 ? 1 / 2.0.squareRoot() : 1
                coefficients[v * 8 + u] = 0.25 * cu * cv * sum
            }
        }
        return coefficients
    }
}

// MARK: - Colour

/// JFIF's RGB → YCbCr (CCIR 601 weights, full range), with the level shift of T.81 A.3.1 applied: all
/// three results are centred on zero, as the DCT wants them.
@inline(__always)
func levelShiftedYCbCr(red: Float, green: Float, blue: Float) -> (y: Float, cb: Float, cr: Float) {
    (0.299 * red + 0.587 * green + 0.114 * blue - 128,
     -0.168736 * red - 0.331264 * green + 0.5 * blue,
     0.5 * red - 0.418688 * green - 0.081312 * blue)
}

// MARK: - JPEGScanEncoder

/// The entropy-coded scan of one frame: a strip of MCUs at a time goes through colour conversion,
/// downsampling, DCT, quantisation and Huffman coding, and the bits are appended to the bytes it was
/// given (the headers).
///
/// Owns its planes (one MCU-high strip each) and a 64-float block, allocated once in `init` and freed in
/// `deinit`; noncopyable so that the pointers have one owner.
struct JPEGScanEncoder: ~Copyable {
    let frame: Frame
    let subsampling: JPEGCodec.Subsampling
    /// Luma samples per strip row: the width rounded up to the MCU.
    let paddedWidth: Int
    let mcusAcross: Int
    let mcusDown: Int
    /// Chroma samples per strip row after downsampling.
    let chromaWidth: Int

    /// Level-shifted strips, `mcuSize` rows of `paddedWidth` floats: Y, and Cb and Cr at full resolution.
    private let luma: UnsafeMutablePointer<Float>
    private let fullCb: UnsafeMutablePointer<Float>
    private let fullCr: UnsafeMutablePointer<Float>
    /// Cb and Cr after downsampling, 8 rows of `chromaWidth` (the full-resolution strips for 4:4:4).
    private let cb: UnsafeMutablePointer<Float>
    private let cr: UnsafeMutablePointer<Float>
    /// One block of DCT output, `[u * 8 + v]`.
    private let coefficients: UnsafeMutablePointer<Float>

    /// Per coding position `k`: where `JPEGDCT.forward` leaves the coefficient.
    private let dctIndex: [Int]
    private let lumaCoder: ComponentCoder
    private let chromaCoder: ComponentCoder
    private var writer: JPEGBitWriter

    /// What coding one component's blocks needs: its quantiser and Huffman tables, and the DC prediction.
    struct ComponentCoder {
        /// Per coding position `k`: `1 / divisor`, the quantiser times the AAN scales.
        let reciprocals: [Float]
        let dc: HuffmanCodes
        let ac: HuffmanCodes
        /// The last block's quantised DC (the prediction starts at zero, T.81 F.1.1.5.1).
        var previousDC: Int32 = 0
    }

    init(frame: Frame, subsampling: JPEGCodec.Subsampling, lumaTable: [UInt8], chromaTable: [UInt8], output: [UInt8]) {
        self.frame = frame
        self.subsampling = subsampling
        let mcu = subsampling.mcuSize
        mcusAcross = (frame.width + mcu - 1) / mcu
        mcusDown = (frame.height + mcu - 1) / mcu
        paddedWidth = mcusAcross * mcu
        chromaWidth = paddedWidth / subsampling.chromaFactor
        let stripCount = paddedWidth * mcu
        luma = .allocate(capacity: stripCount)
        fullCb = .allocate(capacity: stripCount)
        fullCr = .allocate(capacity: stripCount)
        if subsampling == .yuv420 {
            cb = .allocate(capacity: chromaWidth * 8)
            cr = .allocate(capacity: chromaWidth * 8)
        } else {
            cb = fullCb
            cr = fullCr
        }
        coefficients = .allocate(capacity: 64)

        dctIndex = JPEGTables.zigzag.map { natural in (natural % 8) * 8 + natural / 8 }
        func reciprocals(_ table: [UInt8]) -> [Float] {
            JPEGTables.zigzag.map { natural in
                let scale = JPEGTables.aanScale[natural / 8] * JPEGTables.aanScale[natural % 8] * 8
                return Float(1 / (Double(table[natural]) * scale))
            }
        }
        lumaCoder = ComponentCoder(reciprocals: reciprocals(lumaTable),
                                   dc: JPEGTables.luminanceDC.codes(), ac: JPEGTables.luminanceAC.codes())
        chromaCoder = ComponentCoder(reciprocals: reciprocals(chromaTable),
                                     dc: JPEGTables.chrominanceDC.codes(), ac: JPEGTables.chrominanceAC.codes())
        writer = JPEGBitWriter(bytes: output)
    }

    deinit {
        luma.deallocate()
        fullCb.deallocate()
        fullCr.deallocate()
        if subsampling == .yuv420 {
            cb.deallocate()
            cr.deallocate()
        }
        coefficients.deallocate()
    }

    /// Codes every MCU, left to right, top to bottom. Within a 4:2:0 MCU the order is the four luma blocks
    /// row by row, then Cb, then Cr (T.81 A.2.3).
    mutating func encodeAll() {
        let mcu = subsampling.mcuSize
        var yCoder = lumaCoder, cbCoder = chromaCoder, crCoder = chromaCoder
        for mcuRow in 0..<mcusDown {
            fillStrip(firstRow: mcuRow * mcu)
            if subsampling == .yuv420 {
                downsample(fullCb, into: cb)
                downsample(fullCr, into: cr)
            }
            for mcuColumn in 0..<mcusAcross {
                let x = mcuColumn * mcu
                for blockRow in stride(from: 0, to: mcu, by: 8) {
                    for blockColumn in stride(from: 0, to: mcu, by: 8) {
                        encodeBlock(luma + blockRow * paddedWidth + x + blockColumn, stride: paddedWidth, coder: &yCoder)
                    }
                }
                let chromaX = mcuColumn * 8
                encodeBlock(cb + chromaX, stride: chromaWidth, coder: &cbCoder)
                encodeBlock(cr + chromaX, stride: chromaWidth, coder: &crCoder)
            }
        }
    }

    /// The file so far with the scan's last bits padded out with ones (T.81 F.1.2.3).
    consuming func finish() -> [UInt8] {
        writer.padToByte()
        return writer.bytes
    }

    // MARK: Strips

    /// Converts `mcuSize` frame rows from `firstRow` on to level-shifted Y, Cb, Cr strips of `paddedWidth`,
    /// repeating the last column and the last row of the frame into the padding.
    private func fillStrip(firstRow: Int) {
        let width = frame.width, height = frame.height, rows = subsampling.mcuSize, paddedWidth = paddedWidth
        let luma = luma, fullCb = fullCb, fullCr = fullCr
        frame.pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<rows {
                let sourceRow = min(firstRow + row, height - 1)
                var source = pixels.baseAddress! + sourceRow * width * 3
                let offset = row * paddedWidth
                for x in 0..<width {
                    let (y, cb, cr) = levelShiftedYCbCr(red: Float(source[0]), green: Float(source[1]), blue: Float(source[2]))
                    luma[offset + x] = y
                    fullCb[offset + x] = cb
                    fullCr[offset + x] = cr
                    source += 3
                }
                for x in width..<paddedWidth {
                    luma[offset + x] = luma[offset + width - 1]
                    fullCb[offset + x] = fullCb[offset + width - 1]
                    fullCr[offset + x] = fullCr[offset + width - 1]
                }
            }
        }
    }

    /// 2x2 box average of a full-resolution 16-row chroma strip into 8 rows of `chromaWidth` (chroma sited
    /// between the luma samples, as JFIF places it).
    private func downsample(_ full: UnsafeMutablePointer<Float>, into half: UnsafeMutablePointer<Float>) {
        for row in 0..<8 {
            let top = full + 2 * row * paddedWidth
            let bottom = top + paddedWidth
            let out = half + row * chromaWidth
            for x in 0..<chromaWidth {
                out[x] = 0.25 * (top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1])
            }
        }
    }

    // MARK: Blocks

    /// DCT, quantisation and Huffman coding of one 8x8 block (T.81 F.1.2): the DC as a difference from the
    /// previous block of the component, the AC as (zero run, size) symbols with ZRL for sixteen zeros and
    /// EOB after the last non-zero coefficient.
    @inline(__always)
    private mutating func encodeBlock(_ source: UnsafePointer<Float>, stride: Int, coder: inout ComponentCoder) {
        JPEGDCT.forward(source, stride: stride, into: coefficients)
        let reciprocals = coder.reciprocals, dc = coder.dc, ac = coder.ac

        let value = quantized(0, reciprocals: reciprocals)
        let difference = value - coder.previousDC
        coder.previousDC = value
        let dcSize = Self.magnitudeSize(difference)
        writer.write(UInt32(dc.code[dcSize]), count: Int(dc.length[dcSize]))
        writer.write(Self.magnitudeBits(difference, size: dcSize), count: dcSize)

        var zeros = 0
        for k in 1..<64 {
            // Baseline AC sizes stop at 10 bits; an 8-bit block stays below that, the clamp is for rounding.
            let value = min(max(quantized(k, reciprocals: reciprocals), -1023), 1023)
            if value == 0 {
                zeros += 1
                continue
            }
            while zeros >= 16 {
                writer.write(UInt32(ac.code[0xF0]), count: Int(ac.length[0xF0]))
                zeros -= 16
            }
            let size = Self.magnitudeSize(value)
            let symbol = zeros << 4 | size
            writer.write(UInt32(ac.code[symbol]), count: Int(ac.length[symbol]))
            writer.write(Self.magnitudeBits(value, size: size), count: size)
            zeros = 0
        }
        if zeros > 0 {
            writer.write(UInt32(ac.code[0x00]), count: Int(ac.length[0x00]))
        }
    }

    /// The `k`-th coefficient in coding order, divided by its quantiser and rounded half away from zero.
    @inline(__always)
    private func quantized(_ k: Int, reciprocals: [Float]) -> Int32 {
        let scaled = coefficients[dctIndex[k]] * reciprocals[k]
        return Int32(scaled + (scaled < 0 ? -0.5 : 0.5))
    }

    /// SSSS of T.81 F.1.2.1: the number of bits of `|value|` (0 for 0).
    @inline(__always)
    static func magnitudeSize(_ value: Int32) -> Int {
        Int(32 - value.magnitude.leadingZeroBitCount)
    }

    /// The `size` low bits that follow a size code: the value itself when positive, `value - 1` (its
    /// one's complement) when negative.
    @inline(__always)
    static func magnitudeBits(_ value: Int32, size: Int) -> UInt32 {
        let bits = value < 0 ? value - 1 : value
        return UInt32(bitPattern: bits) & ((1 << UInt32(size)) &- 1)
    }
}

// MARK: - JPEGBitWriter

/// Appends codes most significant bit first, stuffing a zero byte after every 0xFF so that entropy-coded
/// data never looks like a marker (T.81 F.1.2.3).
struct JPEGBitWriter {
    var bytes: [UInt8]
    /// Bits not yet written, in the low `count` bits (higher bits are stale and ignored).
    private var accumulator: UInt64 = 0
    private var count = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Writes the low `count` bits of `bits`, at most 32; bits above them must be zero.
    @inline(__always)
    mutating func write(_ bits: UInt32, count bitCount: Int) {
        accumulator = accumulator << UInt64(bitCount) | UInt64(bits)
        count += bitCount
        while count >= 8 {
            count -= 8
            let byte = UInt8(truncatingIfNeeded: accumulator >> UInt64(count))
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0x00) }
        }
    }

    /// Fills the last byte with one bits.
    mutating func padToByte() {
        let padding = (8 - count % 8) % 8
        if padding > 0 { write((1 << UInt32(padding)) - 1, count: padding) }
    }
}
