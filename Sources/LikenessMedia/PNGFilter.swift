// MARK: - PNGFilter

/// A PNG row filter (PNG 1.2 §6): what each byte is predicted from before deflate.
///
/// Filtering reads only unfiltered bytes, so on the encoding side every byte of a row is independent
/// (unlike decoding) and the fast kernels below work on 16 bytes at a time. `applyReference` is the
/// byte-by-byte definition from the specification; tests compare the two.
public enum PNGFilter: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// `x`
    case none = 0
    /// `x − a` (a: the byte one pixel to the left)
    case sub = 1
    /// `x − b` (b: the byte above)
    case up = 2
    /// `x − ⌊(a + b) / 2⌋`
    case average = 3
    /// `x − Paeth(a, b, c)` (c: the byte above the left one)
    case paeth = 4

    public var description: String {
        switch self {
        case .none: "none"
        case .sub: "sub"
        case .up: "up"
        case .average: "average"
        case .paeth: "paeth"
        }
    }

    /// Filters one row of `row.count` bytes with `bytesPerPixel` bytes per pixel into `output` (same count).
    ///
    /// `prior` is the unfiltered row above, all zeros for the first row.
    /// - Precondition: `prior.count == row.count == output.count`, `bytesPerPixel` in 1...8.
    @inlinable
    public func apply(row: UnsafeBufferPointer<UInt8>, prior: UnsafeBufferPointer<UInt8>, bytesPerPixel bpp: Int,
                      into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(prior.count == row.count && output.count == row.count, "PNG filter rows differ in length")
        precondition((1...8).contains(bpp), "bytes per pixel must be 1 to 8")
        let n = row.count
        guard n > 0, let x = row.baseAddress, let b = prior.baseAddress, let out = output.baseAddress else { return }
        let raw = UnsafeRawPointer(x), rawB = UnsafeRawPointer(b), rawOut = UnsafeMutableRawPointer(out)
        // The first pixel has no left neighbour (a = c = 0).
        let head = min(bpp, n)
        for i in 0..<head {
            switch self {
            case .none: out[i] = x[i]
            case .sub: out[i] = x[i]
            case .up, .paeth: out[i] = x[i] &- b[i]
            case .average: out[i] = x[i] &- b[i] >> 1
            }
        }
        var i = head
        switch self {
        case .none:
            (out + head).update(from: x + head, count: n - head)
            return
        case .sub:
            while i + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let a = raw.loadUnaligned(fromByteOffset: i - bpp, as: SIMD16<UInt8>.self)
                rawOut.storeBytes(of: v &- a, toByteOffset: i, as: SIMD16<UInt8>.self)
                i += 16
            }
        case .up:
            while i + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let up = rawB.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                rawOut.storeBytes(of: v &- up, toByteOffset: i, as: SIMD16<UInt8>.self)
                i += 16
            }
        case .average:
            while i + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let a = SIMD16<UInt16>(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: i - bpp, as: SIMD16<UInt8>.self))
                let up = SIMD16<UInt16>(truncatingIfNeeded: rawB.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self))
                let mean = SIMD16<UInt8>(truncatingIfNeeded: (a &+ up) &>> 1)
                rawOut.storeBytes(of: v &- mean, toByteOffset: i, as: SIMD16<UInt8>.self)
                i += 16
            }
        case .paeth:
            while i + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let a = SIMD16<Int16>(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: i - bpp, as: SIMD16<UInt8>.self))
                let up = SIMD16<Int16>(truncatingIfNeeded: rawB.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self))
                let c = SIMD16<Int16>(truncatingIfNeeded: rawB.loadUnaligned(fromByteOffset: i - bpp, as: SIMD16<UInt8>.self))
                // p = a + b − c; pa = |p − a| = |b − c|, pb = |p − b| = |a − c|, pc = |p − c| = |a + b − 2c|.
                let pa = Self.magnitude(up &- c), pb = Self.magnitude(a &- c), pc = Self.magnitude(a &+ up &- c &- c)
                // Lane masks from signs (the distances are 0...510, so differences never overflow): all ones
                // where a loses (pa > pb or pa > pc), and where b loses to c (pb > pc). Plain integer ops vectorise;
                // SIMDMask selects did not (they were half of the encoding time).
                let notA = ((pb &- pa) | (pc &- pa)) &>> 15
                let notB = (pc &- pb) &>> 15
                let bOrC = (c & notB) | (up & ~notB)
                let predictor = (bOrC & notA) | (a & ~notA)
                rawOut.storeBytes(of: v &- SIMD16<UInt8>(truncatingIfNeeded: predictor), toByteOffset: i, as: SIMD16<UInt8>.self)
                i += 16
            }
        }
        while i < n {
            out[i] = Self.filtered(self, x: x[i], a: x[i - bpp], b: b[i], c: b[i - bpp])
            i += 1
        }
    }

    /// The specification's definition, one byte at a time (the reference for `apply`).
    public func applyReference(row: [UInt8], prior: [UInt8], bytesPerPixel bpp: Int) -> [UInt8] {
        precondition(prior.count == row.count, "PNG filter rows differ in length")
        return row.indices.map { i in
            let a = i >= bpp ? row[i - bpp] : 0, c = i >= bpp ? prior[i - bpp] : 0
            return Self.filtered(self, x: row[i], a: a, b: prior[i], c: c)
        }
    }

    /// One filtered byte: `x` minus this filter's prediction from `a` (left), `b` (up) and `c` (up-left).
    @inlinable
    static func filtered(_ filter: PNGFilter, x: UInt8, a: UInt8, b: UInt8, c: UInt8) -> UInt8 {
        switch filter {
        case .none: return x
        case .sub: return x &- a
        case .up: return x &- b
        case .average: return x &- UInt8((UInt16(a) + UInt16(b)) >> 1)
        case .paeth:
            let p = Int(a) + Int(b) - Int(c)
            let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
            if pa <= pb && pa <= pc { return x &- a }
            if pb <= pc { return x &- b }
            return x &- c
        }
    }

    /// |v| per lane, by the sign mask (no select).
    @inlinable
    static func magnitude(_ v: SIMD16<Int16>) -> SIMD16<Int16> {
        let sign = v &>> 15
        return (v ^ sign) &- sign
    }
}
