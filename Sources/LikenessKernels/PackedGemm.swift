// MARK: - TileShape

/// The register tile of a GEMM micro-kernel: `rows` rows of A times `vectors` SIMD16 columns of B.
///
/// The accumulators (`rows · vectors` SIMD16 values) must fit the vector registers of the ISA the
/// kernel is compiled for: AVX2 has 16 ymm registers (a SIMD16 takes two), AVX-512 has 32 zmm.
public protocol TileShape {
    static var rows: Int { get }
    static var vectors: Int { get }
}

// The concrete tiles live in the ISA modules (LikenessKernelsAVX2, LikenessKernelsAVX512): a
// specialization is named after its generic arguments, so a tile type shared by two modules
// would give both modules' specializations one symbol, and the linker would keep only one of
// them (compiled for either CPU).

// MARK: - LinearEpilogue

/// What a GEMM does to each result before storing it: add the row's bias, then
/// `y = x >= 0 ? x : x · negativeSlope`, then clamp to `[lower, upper]`.
///
/// This covers no activation (slope 1), ReLU (slope 0), LeakyReLU (slope α) and Clip; sigmoid and
/// tanh are applied by the caller afterwards.
public struct LinearEpilogue: Sendable, Equatable {
    public var negativeSlope: Float
    public var lower: Float
    public var upper: Float

    public init(negativeSlope: Float = 1, lower: Float = -.infinity, upper: Float = .infinity) {
        self.negativeSlope = negativeSlope
        self.lower = lower
        self.upper = upper
    }

    @inlinable public static var identity: LinearEpilogue { LinearEpilogue() }

    /// The scalar definition (the reference for the vector code).
    @inlinable public func apply(_ x: Float) -> Float {
        Swift.min(Swift.max(x >= 0 ? x : x * negativeSlope, lower), upper)
    }

    @inlinable @inline(__always)
    public func apply(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // max(x, 0) + slope · min(x, 0) is x for x ≥ 0 and slope · x below: no masks, no blends.
        var y = x
        if negativeSlope != 1 {
            let zero = SIMD16<Float>()
            y = pointwiseMax(x, zero)
            if negativeSlope != 0 { y = y.addingProduct(pointwiseMin(x, zero), SIMD16(repeating: negativeSlope)) }
        }
        if lower != -.infinity { y = pointwiseMax(y, SIMD16(repeating: lower)) }
        if upper != .infinity { y = pointwiseMin(y, SIMD16(repeating: upper)) }
        return y
    }
}

// MARK: - GemmArguments

/// One GEMM call on a packed A: `C[rows, n] = epilogue(A[rows, k] · B[k, n] + bias[rows])`.
///
/// A is packed by ``PackedGemm/pack(_:rows:columns:tileRows:)``; `rows` is a range of its rows
/// and `c` points at the first of them (row `rows.lowerBound`), so a thread can own a band of
/// rows. B [k, n] is row-major with leading dimension `ldb`, C has leading dimension `ldc`.
/// `bias`, when given, is indexed by the absolute row. `scratch` holds
/// ``PackedGemm/scratchCount(k:)`` floats for the packed blocks of B.
public struct GemmArguments {
    public var rows: Range<Int>
    public var n: Int
    public var k: Int
    public var a: UnsafePointer<Float>
    public var b: UnsafePointer<Float>
    public var ldb: Int
    public var c: UnsafeMutablePointer<Float>
    public var ldc: Int
    public var bias: UnsafePointer<Float>?
    public var epilogue: LinearEpilogue
    public var scratch: UnsafeMutablePointer<Float>

    public init(rows: Range<Int>, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, epilogue: LinearEpilogue,
                scratch: UnsafeMutablePointer<Float>) {
        self.rows = rows
        self.n = n
        self.k = k
        self.a = a
        self.b = b
        self.ldb = ldb
        self.c = c
        self.ldc = ldc
        self.bias = bias
        self.epilogue = epilogue
        self.scratch = scratch
    }
}

// MARK: - PackedGemm

/// A GEMM whose A operand (the weights) is packed once at load, BLIS style.
///
/// A [M, K] is stored as panels of `tileRows` rows, each panel k-major ([k][row], zero-padded past
/// M), so the micro-kernel reads it as one sequential stream and broadcasts one value per FMA.
/// B (the activations) is copied block by block (k x 32 columns) into a contiguous panel that
/// every panel of A then reads from L1; the weights are never repacked, unlike a general sgemm,
/// which packs both operands on every call. With n < 4 (a 1x1 input) it is a matrix-vector
/// product that streams A once.
///
/// The bodies are `@inlinable` so that the ISA modules (LikenessKernelsAVX2, LikenessKernelsAVX512)
/// compile them with their own target CPU; this module itself is built for the baseline CPU.
public enum PackedGemm {
    /// Floats of the packed form of an [m, k] matrix, plus 8 floats of padding that the
    /// matrix-vector path may read (and ignore) past the last panel.
    public static func packedCount(rows m: Int, columns k: Int, tileRows: Int) -> Int {
        (m + tileRows - 1) / tileRows * tileRows * k + 8
    }

    /// Packs A [m, k] (row-major) into panels of `tileRows` rows.
    public static func pack(_ a: [Float], rows m: Int, columns k: Int, tileRows: Int) -> [Float] {
        precondition(a.count == m * k, "pack: \(a.count) values for a \(m)x\(k) matrix")
        var packed = [Float](repeating: 0, count: packedCount(rows: m, columns: k, tileRows: tileRows))
        for row in 0..<m {
            let panel = row / tileRows, r = row % tileRows
            let base = panel * tileRows * k + r
            for kk in 0..<k { packed[base + kk * tileRows] = a[row * k + kk] }
        }
        return packed
    }

    /// Floats of scratch one call needs: a packed [k, 32] block of B and a [16, 16] result block.
    public static func scratchCount(k: Int) -> Int { 32 * k + 16 * 16 }

    /// Runs the GEMM with a wide tile `Wide` (its `vectors` SIMD16 columns) and a one-vector tile
    /// `Narrow` of the same rows for the remaining 16-column blocks. With `pairNarrow` (when twice
    /// the narrow tile's accumulators fit the registers), 16-column blocks take two panels of A at
    /// once: twice the independent FMA chains for the same B loads (a 4x4 input has just 16 columns).
    @inlinable @inline(__always)
    public static func run<Wide: TileShape, Narrow: TileShape>(
        _ args: GemmArguments, wide: Wide.Type, narrow: Narrow.Type, pairNarrow: Bool = false
    ) {
        precondition(Wide.rows == Narrow.rows && Narrow.vectors == 1)
        let tileRows = Wide.rows
        let k = args.k, n = args.n
        guard !args.rows.isEmpty, n > 0 else { return }
        if n < 4 { return matrixVector(args, tile: Narrow.self) }
        let firstPanel = args.rows.lowerBound / tileRows
        let lastPanel = (args.rows.upperBound - 1) / tileRows
        let wideColumns = 16 * Wide.vectors
        let b = UnsafeRawPointer(args.b)
        let ldbBytes = args.ldb * 4
        var j = 0
        while j < n {
            let remaining = n - j
            let kind = remaining >= wideColumns ? 0 : (remaining >= 16 ? 1 : 2)
            let width = kind == 0 ? wideColumns : 16
            var bTile = b + j * 4, bStride = ldbBytes
            if kind == 2 || (lastPanel > firstPanel && args.ldb != width) {
                // Copy the block of B into a contiguous [k, width] panel (zero-padded past n): the
                // micro-kernel then reads it sequentially, from L1, for every panel of A, instead
                // of k rows `ldb` apart (a power-of-two stride maps them all to the same cache set).
                let copy = args.scratch
                let valid = Swift.min(width, remaining)
                if valid == width {
                    // Whole vectors, copied inline (a memmove call per 64 or 128 bytes costs more than the copy).
                    let source = UnsafeRawPointer(args.b + j), destination = UnsafeMutableRawPointer(copy)
                    for kk in 0..<k {
                        for v in 0..<(width / 16) {
                            destination.storeBytes(
                                of: source.loadUnaligned(fromByteOffset: kk * ldbBytes + v * 64, as: SIMD16<Float>.self),
                                toByteOffset: (kk * width + v * 16) * 4, as: SIMD16<Float>.self)
                        }
                    }
                } else {
                    for kk in 0..<k {
                        let row = copy + kk * width
                        row.update(from: args.b + kk * args.ldb + j, count: valid)
                        (row + valid).update(repeating: 0, count: width - valid)
                    }
                }
                bTile = UnsafeRawPointer(copy)
                bStride = width * 4
            }
            var panel = firstPanel
            while panel <= lastPanel {
                let panelRow = panel * tileRows
                // Store only the rows of this panel that are in range.
                let lo = Swift.max(panelRow, args.rows.lowerBound), hi = Swift.min(panelRow + tileRows, args.rows.upperBound)
                let a = args.a + panelRow * k
                let c = args.c + (lo - args.rows.lowerBound) * args.ldc + j
                if kind == 1 && pairNarrow && panel < lastPanel && lo == panelRow && panelRow + 2 * tileRows <= args.rows.upperBound {
                    tilePair(Narrow.self, k: k, a: a, b: bTile, ldbBytes: bStride, c: c, ldc: args.ldc,
                             bias: args.bias.map { $0 + lo }, epilogue: args.epilogue)
                    panel += 2
                    continue
                }
                panel += 1
                switch kind {
                case 0:
                    tile(Wide.self, k: k, a: a, b: bTile, ldbBytes: bStride, skip: lo - panelRow, count: hi - lo,
                         c: c, ldc: args.ldc, bias: args.bias.map { $0 + lo }, epilogue: args.epilogue)
                case 1:
                    tile(Narrow.self, k: k, a: a, b: bTile, ldbBytes: bStride, skip: lo - panelRow, count: hi - lo,
                         c: c, ldc: args.ldc, bias: args.bias.map { $0 + lo }, epilogue: args.epilogue)
                default:
                    // Compute into a [tileRows, 16] block, copy out the valid columns.
                    let block = args.scratch + 32 * k
                    tile(Narrow.self, k: k, a: a, b: bTile, ldbBytes: bStride, skip: lo - panelRow, count: hi - lo,
                         c: block, ldc: 16, bias: args.bias.map { $0 + lo }, epilogue: args.epilogue)
                    for r in 0..<(hi - lo) { (c + r * args.ldc).update(from: block + r * 16, count: remaining) }
                }
            }
            j += kind == 0 ? wideColumns : 16
        }
    }

    /// A matrix-vector product per column, for n < 4 (a 1x1 input): each panel of A is streamed once
    /// per column. With 8-row panels, four panels at a time: one SIMD16 load holds a panel's 8
    /// rows at k and k + 1, multiplied by B's two values (four streams and accumulators keep
    /// enough loads in flight to run at memory speed); otherwise one panel at a time.
    ///
    /// Generic over the ISA module's tile type, like every kernel helper: a non-generic
    /// `@inlinable` function that the compiler does not inline is called through its one shared
    /// symbol, which may be the baseline build (scalar `fmaf` calls) instead of this ISA's.
    @inlinable @inline(__always)
    static func matrixVector<S: TileShape>(_ args: GemmArguments, tile: S.Type) {
        let k = args.k, tileRows = S.rows
        let firstPanel = args.rows.lowerBound / tileRows
        let lastPanel = (args.rows.upperBound - 1) / tileRows
        for j in 0..<args.n {
            var start = firstPanel
            if tileRows == 8 {
                while start + 4 <= lastPanel + 1 {
                    let a = UnsafeRawPointer(args.a + start * 8 * k), panelBytes = 8 * k * 4
                    var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
                    var kk = 0
                    while kk + 2 <= k {
                        let pair = SIMD16<Float>(lowHalf: SIMD8(repeating: args.b[kk * args.ldb + j]),
                                                 highHalf: SIMD8(repeating: args.b[(kk + 1) * args.ldb + j]))
                        let offset = kk * 32
                        s0 = s0.addingProduct(a.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self), pair)
                        s1 = s1.addingProduct(a.loadUnaligned(fromByteOffset: offset + panelBytes, as: SIMD16<Float>.self), pair)
                        s2 = s2.addingProduct(a.loadUnaligned(fromByteOffset: offset + 2 * panelBytes, as: SIMD16<Float>.self), pair)
                        s3 = s3.addingProduct(a.loadUnaligned(fromByteOffset: offset + 3 * panelBytes, as: SIMD16<Float>.self), pair)
                        kk += 2
                    }
                    var sums = (s0.lowHalf + s0.highHalf, s1.lowHalf + s1.highHalf, s2.lowHalf + s2.highHalf, s3.lowHalf + s3.highHalf)
                    if kk < k {
                        let last = SIMD8<Float>(repeating: args.b[kk * args.ldb + j]), offset = kk * 32
                        sums.0 = sums.0.addingProduct(a.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self), last)
                        sums.1 = sums.1.addingProduct(a.loadUnaligned(fromByteOffset: offset + panelBytes, as: SIMD8<Float>.self), last)
                        sums.2 = sums.2.addingProduct(a.loadUnaligned(fromByteOffset: offset + 2 * panelBytes, as: SIMD8<Float>.self), last)
                        sums.3 = sums.3.addingProduct(a.loadUnaligned(fromByteOffset: offset + 3 * panelBytes, as: SIMD8<Float>.self), last)
                    }
                    @inline(__always) func store(_ sum: SIMD8<Float>, _ p: Int) {
                        let panelRow = (start + p) * 8
                        let lo = Swift.max(panelRow, args.rows.lowerBound), hi = Swift.min(panelRow + 8, args.rows.upperBound)
                        for row in lo..<hi {
                            let value = sum[row - panelRow] + (args.bias?[row] ?? 0)
                            args.c[(row - args.rows.lowerBound) * args.ldc + j] = args.epilogue.apply(value)
                        }
                    }
                    store(sums.0, 0)
                    store(sums.1, 1)
                    store(sums.2, 2)
                    store(sums.3, 3)
                    start += 4
                }
            }
            if start > lastPanel { continue }
            if tileRows == 8 {
                // The last one to three panels: the same pairs of k, two accumulators per panel.
                for panel in start...lastPanel {
                    let a = UnsafeRawPointer(args.a + panel * 8 * k)
                    var s0 = SIMD16<Float>(), s1 = SIMD16<Float>()
                    var kk = 0
                    while kk + 4 <= k {
                        let pair0 = SIMD16<Float>(lowHalf: SIMD8(repeating: args.b[kk * args.ldb + j]),
                                                  highHalf: SIMD8(repeating: args.b[(kk + 1) * args.ldb + j]))
                        let pair1 = SIMD16<Float>(lowHalf: SIMD8(repeating: args.b[(kk + 2) * args.ldb + j]),
                                                  highHalf: SIMD8(repeating: args.b[(kk + 3) * args.ldb + j]))
                        s0 = s0.addingProduct(a.loadUnaligned(fromByteOffset: kk * 32, as: SIMD16<Float>.self), pair0)
                        s1 = s1.addingProduct(a.loadUnaligned(fromByteOffset: kk * 32 + 64, as: SIMD16<Float>.self), pair1)
                        kk += 4
                    }
                    let both = s0 + s1
                    var sum = both.lowHalf + both.highHalf
                    while kk < k {
                        sum = sum.addingProduct(a.loadUnaligned(fromByteOffset: kk * 32, as: SIMD8<Float>.self),
                                                SIMD8<Float>(repeating: args.b[kk * args.ldb + j]))
                        kk += 1
                    }
                    let panelRow = panel * 8
                    let lo = Swift.max(panelRow, args.rows.lowerBound), hi = Swift.min(panelRow + 8, args.rows.upperBound)
                    for row in lo..<hi {
                        let value = sum[row - panelRow] + (args.bias?[row] ?? 0)
                        args.c[(row - args.rows.lowerBound) * args.ldc + j] = args.epilogue.apply(value)
                    }
                }
                continue
            }
            for panel in start...lastPanel {
                let panelRow = panel * tileRows
                let lo = Swift.max(panelRow, args.rows.lowerBound), hi = Swift.min(panelRow + tileRows, args.rows.upperBound)
                // Two accumulators over alternate k hide the FMA latency. A panel's row block is
                // tileRows ≤ 8 floats; the SIMD8 load may read into the next block (or the padding
                // after the last panel, see `pack`), whose lanes are ignored.
                var even = SIMD8<Float>(), odd = SIMD8<Float>()
                let a = UnsafeRawPointer(args.a + panelRow * k)
                var kk = 0
                while kk + 2 <= k {
                    even = even.addingProduct(a.loadUnaligned(fromByteOffset: kk * tileRows * 4, as: SIMD8<Float>.self),
                                              SIMD8<Float>(repeating: args.b[kk * args.ldb + j]))
                    odd = odd.addingProduct(a.loadUnaligned(fromByteOffset: (kk + 1) * tileRows * 4, as: SIMD8<Float>.self),
                                            SIMD8<Float>(repeating: args.b[(kk + 1) * args.ldb + j]))
                    kk += 2
                }
                if kk < k {
                    even = even.addingProduct(a.loadUnaligned(fromByteOffset: kk * tileRows * 4, as: SIMD8<Float>.self),
                                              SIMD8<Float>(repeating: args.b[kk * args.ldb + j]))
                }
                let sum = even + odd
                for row in lo..<hi {
                    let value = sum[row - panelRow] + (args.bias?[row] ?? 0)
                    args.c[(row - args.rows.lowerBound) * args.ldc + j] = args.epilogue.apply(value)
                }
            }
        }
    }

    /// The micro-kernel: one panel of `S.rows` rows times `16 · S.vectors` columns over all of k,
    /// accumulated in registers; stores rows `skip ..< skip + count` of the tile (bias, epilogue).
    /// B row k is at `b + k · ldbBytes`.
    ///
    /// (A sub-pixel transposed convolution on top of this kernel, reading B rows at shifted offsets
    /// of a padded image, was tried and measured slower: with a second loop shape the compiler no
    /// longer keeps all accumulators in registers.)
    @inlinable @inline(__always)
    static func tile<S: TileShape>(
        _: S.Type, k: Int, a: UnsafePointer<Float>, b: UnsafeRawPointer, ldbBytes: Int,
        skip: Int, count: Int, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, epilogue: LinearEpilogue
    ) {
        let rows = S.rows, vectors = S.vectors
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 8 * 2) { acc in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 2) { bv in
                for i in 0..<(rows * vectors) { acc[i] = SIMD16<Float>() }
                var ap = a, bp = b
                for _ in 0..<k {
                    for v in 0..<vectors { bv[v] = bp.loadUnaligned(fromByteOffset: v * 64, as: SIMD16<Float>.self) }
                    for r in 0..<rows {
                        let s = SIMD16<Float>(repeating: ap[r])
                        for v in 0..<vectors { acc[r * vectors + v] = acc[r * vectors + v].addingProduct(s, bv[v]) }
                    }
                    ap += rows
                    bp += ldbBytes
                }
                if count == rows && bias == nil && epilogue == .identity {
                    // The whole tile, stored as computed (the cols of a transposed convolution).
                    for r in 0..<rows {
                        let out = UnsafeMutableRawPointer(c + r * ldc)
                        for v in 0..<vectors { out.storeBytes(of: acc[r * vectors + v], toByteOffset: v * 64, as: SIMD16<Float>.self) }
                    }
                    return
                }
                for r in 0..<count {
                    let shift = bias.map { SIMD16<Float>(repeating: $0[r]) } ?? SIMD16<Float>()
                    let out = UnsafeMutableRawPointer(c + r * ldc)
                    for v in 0..<vectors {
                        let y = epilogue.apply(acc[(skip + r) * vectors + v] + shift)
                        out.storeBytes(of: y, toByteOffset: v * 64, as: SIMD16<Float>.self)
                    }
                }
            }
        }
    }

    /// Two panels of `S.rows` rows (A at `a`, the next panel right after) times 16 columns (S.vectors
    /// must be 1): 2 · rows accumulators; stores all 2 · rows rows (both panels fully in range).
    @inlinable @inline(__always)
    static func tilePair<S: TileShape>(
        _: S.Type, k: Int, a: UnsafePointer<Float>, b: UnsafeRawPointer, ldbBytes: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, epilogue: LinearEpilogue
    ) {
        let rows = S.rows
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { acc in
            for i in 0..<(2 * rows) { acc[i] = SIMD16<Float>() }
            var ap = a, ap2 = a + rows * k, bp = b
            for _ in 0..<k {
                let bv = bp.loadUnaligned(as: SIMD16<Float>.self)
                for r in 0..<rows {
                    acc[r] = acc[r].addingProduct(SIMD16(repeating: ap[r]), bv)
                    acc[rows + r] = acc[rows + r].addingProduct(SIMD16(repeating: ap2[r]), bv)
                }
                ap += rows
                ap2 += rows
                bp += ldbBytes
            }
            for r in 0..<(2 * rows) {
                let shift = bias.map { SIMD16<Float>(repeating: $0[r]) } ?? SIMD16<Float>()
                UnsafeMutableRawPointer(c + r * ldc).storeBytes(of: epilogue.apply(acc[r] + shift), as: SIMD16<Float>.self)
            }
        }
    }

    /// The reference: the same result with plain loops over the unpacked A [m, k].
    public static func reference(
        a: [Float], m: Int, k: Int, b: UnsafePointer<Float>, ldb: Int, n: Int,
        bias: [Float]?, epilogue: LinearEpilogue
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for kk in 0..<k { sum += Double(a[i * k + kk]) * Double(b[kk * ldb + j]) }
                c[i * n + j] = epilogue.apply(Float(sum) + (bias?[i] ?? 0))
            }
        }
        return c
    }
}
