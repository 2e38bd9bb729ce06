import Foundation

// MARK: - PixelShuffleStore

/// The store of a pixel shuffle (`DepthToSpace`, DCR or CRD) from a band of rows, plus an optional
/// residual, through an epilogue and a curve: the last step of a detail stage's band chain.
///
/// The residual is either a picture of the output's shape, or a bilinear upscale computed on the
/// fly: rows of the upscale's input already resized horizontally (``PixelShuffleUpscale``), of which
/// output row oy blends rows `top[oy]` and `bottom[oy]` with weight `weight[oy]` (the vertical half
/// of the resize, as ``ResizeStep`` computes it), so the upscaled picture is never written.
///
/// Source [C·b²][rows][W] (a band of the convolution before the shuffle); output and residual
/// [C][H·b][W·b] (whole images). Output row (y·b + i), column (x·b + j) of channel c is source
/// channel (c·b + i)·b + j (CRD) or (i·b + j)·C + c (DCR), row y, column x. For b = 2 and b = 4 the
/// b source rows of an output row are interleaved in registers (16 columns of each, one store of
/// 16·b outputs); other blocks and the last columns of a row go one output at a time.
public enum PixelShuffleStore {
    /// Stores band rows `args.firstRow ..< args.firstRow + args.rows` (source rows) of the image.
    /// (Generic over the calling ISA module's tile type only so that each ISA module compiles its own
    /// copy of every helper; see Scripts/check-kernel-calls.sh.)
    @inlinable @inline(__always)
    public static func run<S: TileShape>(_ args: PixelShuffleArguments, tile: S.Type) {
        let b = args.block, co = args.outputChannels, w = args.width, ow = w * b
        for c in 0..<co {
            for row in 0..<args.rows {
                for i in 0..<b {
                    let oy = (args.firstRow + row) * b + i
                    let line = (c * args.outputHeight + oy) * ow
                    let destination = args.output + line
                    // The residual's line as r0 + (r1 - r0) · fy (a picture: r0 = r1, fy = 0).
                    var r0 = args.residual.map { UnsafePointer($0 + line) }, r1 = r0, fy: Float = 0
                    if let u = args.upscale {
                        r0 = u.rows + (c * u.rowCount + u.top[oy] - u.firstRow) * ow
                        r1 = u.rows + (c * u.rowCount + u.bottom[oy] - u.firstRow) * ow
                        fy = u.weight[oy]
                    }
                    var x = 0
                    if b == 2 {
                        let s0 = UnsafeRawPointer(source(S.self, args, c, i, 0, row)), s1 = UnsafeRawPointer(source(S.self, args, c, i, 1, row))
                        while x + 16 <= w {
                            var v = SIMD32<Float>()
                            v.evenHalf = s0.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                            v.oddHalf = s1.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                            finish(S.self, v, destination + 2 * x, r0.map { $0 + 2 * x }, r1.map { $0 + 2 * x }, fy, args)
                            x += 16
                        }
                    } else if b == 4 {
                        let s0 = UnsafeRawPointer(source(S.self, args, c, i, 0, row)), s1 = UnsafeRawPointer(source(S.self, args, c, i, 1, row))
                        let s2 = UnsafeRawPointer(source(S.self, args, c, i, 2, row)), s3 = UnsafeRawPointer(source(S.self, args, c, i, 3, row))
                        while x + 16 <= w {
                            // a = (s0, s2) interleaved, b = (s1, s3): a[k], b[k] alternate to s0, s1, s2, s3.
                            var a = SIMD32<Float>(), bb = SIMD32<Float>()
                            a.evenHalf = s0.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                            a.oddHalf = s2.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                            bb.evenHalf = s1.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                            bb.oddHalf = s3.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                            var low = SIMD32<Float>(), high = SIMD32<Float>()
                            low.evenHalf = a.lowHalf
                            low.oddHalf = bb.lowHalf
                            high.evenHalf = a.highHalf
                            high.oddHalf = bb.highHalf
                            finish(S.self, low, destination + 4 * x, r0.map { $0 + 4 * x }, r1.map { $0 + 4 * x }, fy, args)
                            finish(S.self, high, destination + 4 * x + 32, r0.map { $0 + 4 * x + 32 }, r1.map { $0 + 4 * x + 32 }, fy, args)
                            x += 16
                        }
                    }
                    while x < w {
                        for j in 0..<b {
                            var y = source(S.self, args, c, i, j, row)[x]
                            if let r0, let r1 { let a = r0[x * b + j]; y += a + (r1[x * b + j] - a) * fy }
                            y = args.epilogue.apply(y)
                            destination[x * b + j] = args.curve == .none ? y : args.curve.apply(SIMD16(repeating: y))[0]
                        }
                        x += 1
                    }
                }
            }
        }
    }

    /// Source row `row` of the channel that output channel `c`, row phase `i`, column phase `j` reads.
    @inlinable @inline(__always)
    static func source<S: TileShape>(_: S.Type, _ args: PixelShuffleArguments, _ c: Int, _ i: Int, _ j: Int, _ row: Int) -> UnsafePointer<Float> {
        let b = args.block, co = args.outputChannels
        let channel = args.crd ? (c * b + i) * b + j : (i * b + j) * co + c
        return args.source + (channel * args.rows + row) * args.width
    }

    /// 32 outputs: plus the residual, the epilogue and the curve, stored.
    @inlinable @inline(__always)
    static func finish<S: TileShape>(_: S.Type, _ v: SIMD32<Float>, _ destination: UnsafeMutablePointer<Float>,
                                     _ r0: UnsafePointer<Float>?, _ r1: UnsafePointer<Float>?, _ fy: Float, _ args: PixelShuffleArguments) {
        var low = v.lowHalf, high = v.highHalf
        if let r0, let r1 {
            let a = UnsafeRawPointer(r0), b = UnsafeRawPointer(r1), f = SIMD16<Float>(repeating: fy)
            let a0 = a.loadUnaligned(as: SIMD16<Float>.self), a1 = a.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let b0 = b.loadUnaligned(as: SIMD16<Float>.self), b1 = b.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            low += a0 + (b0 - a0) * f
            high += a1 + (b1 - a1) * f
        }
        let out = UnsafeMutableRawPointer(destination)
        out.storeBytes(of: args.curve.apply(epilogue(S.self, low, args.epilogue)), as: SIMD16<Float>.self)
        out.storeBytes(of: args.curve.apply(epilogue(S.self, high, args.epilogue)), toByteOffset: 64, as: SIMD16<Float>.self)
    }

    /// ``LinearEpilogue/apply(_:)-(SIMD16<Float>)`` with the bounds as compare-and-blend: `pointwiseMax`/`Min`
    /// against a bound that is no compile-time constant become a loop over the lanes (Float.maximum's
    /// NaN rules), which made the Clip of this store 20x slower than its loads and stores.
    @inlinable @inline(__always)
    static func epilogue<S: TileShape>(_: S.Type, _ x: SIMD16<Float>, _ e: LinearEpilogue) -> SIMD16<Float> {
        var y = e.negativeSlope == 1 ? x : LinearEpilogue(negativeSlope: e.negativeSlope).apply(x)
        if e.lower != -.infinity { let bound = SIMD16(repeating: e.lower); y = y.replacing(with: bound, where: y .< bound) }
        if e.upper != .infinity { let bound = SIMD16(repeating: e.upper); y = y.replacing(with: bound, where: y .> bound) }
        return y
    }

    /// The reference: every output from the definition, one at a time, in [C][rows·b][W·b] order
    /// for the band's rows (`residual` in the output's whole-image layout; or `upscale`: input planes
    /// [C][h][w'] and per output row / column the two source indices and the weight, bilinear).
    public static func reference(source: [Float], rows: Int, width w: Int, block b: Int, crd: Bool, outputChannels co: Int,
                                 residual: [Float]?, outputHeight: Int, firstRow: Int, epilogue: LinearEpilogue, curve: CurveFunction,
                                 upscale: (input: [Float], height: Int, width: Int, y0: [Int], y1: [Int], wy: [Float], x0: [Int], x1: [Int], wx: [Float])? = nil)
        -> [Float] {
        var out: [Float] = []
        for c in 0..<co {
            for oy in 0..<(rows * b) {
                for ox in 0..<(w * b) {
                    let sy = oy / b, i = oy % b, x = ox / b, j = ox % b
                    let channel = crd ? (c * b + i) * b + j : (i * b + j) * co + c
                    var value = source[(channel * rows + sy) * w + x]
                    if let residual { value += residual[(c * outputHeight + firstRow * b + oy) * w * b + ox] }
                    if let u = upscale {
                        let y = firstRow * b + oy
                        func at(_ iy: Int, _ ix: Int) -> Double { Double(u.input[(c * u.height + iy) * u.width + ix]) }
                        let top = at(u.y0[y], u.x0[ox]) + (at(u.y0[y], u.x1[ox]) - at(u.y0[y], u.x0[ox])) * Double(u.wx[ox])
                        let bottom = at(u.y1[y], u.x0[ox]) + (at(u.y1[y], u.x1[ox]) - at(u.y1[y], u.x0[ox])) * Double(u.wx[ox])
                        value += Float(top + (bottom - top) * Double(u.wy[y]))
                    }
                    let y = epilogue.apply(value)
                    switch curve {
                    case .none: out.append(y)
                    case .tanh: out.append(Float(Foundation.tanh(Double(y))))
                    case .sigmoid: out.append(Float(1 / (1 + Foundation.exp(-Double(y)))))
                    }
                }
            }
        }
        return out
    }
}

// MARK: - PixelShuffleArguments

/// One call of ``PixelShuffleStore/run(_:)``: source [C·b²][rows][W], output and residual
/// [C][outputHeight][W·b] of one image, the band's first source row.
public struct PixelShuffleArguments {
    public var source: UnsafePointer<Float>
    public var rows: Int, width: Int, block: Int, crd: Bool, outputChannels: Int
    public var output: UnsafeMutablePointer<Float>
    public var outputHeight: Int, firstRow: Int
    public var residual: UnsafePointer<Float>?
    /// Instead of `residual`: a bilinear upscale blended on the fly.
    public var upscale: PixelShuffleUpscale?
    public var epilogue: LinearEpilogue
    public var curve: CurveFunction

    public init(source: UnsafePointer<Float>, rows: Int, width: Int, block: Int, crd: Bool, outputChannels: Int,
                output: UnsafeMutablePointer<Float>, outputHeight: Int, firstRow: Int, residual: UnsafePointer<Float>?,
                upscale: PixelShuffleUpscale? = nil, epilogue: LinearEpilogue, curve: CurveFunction) {
        self.upscale = upscale
        self.source = source
        self.rows = rows
        self.width = width
        self.block = block
        self.crd = crd
        self.outputChannels = outputChannels
        self.output = output
        self.outputHeight = outputHeight
        self.firstRow = firstRow
        self.residual = residual
        self.epilogue = epilogue
        self.curve = curve
    }
}

/// The residual of a ``PixelShuffleStore`` as a bilinear upscale: `rows` [C][rowCount][W·b] holds
/// input rows `firstRow ..< firstRow + rowCount` of every channel, resized horizontally to the
/// output's width; output row oy is `rows[top[oy]] + (rows[bottom[oy]] - rows[top[oy]]) · weight[oy]`.
public struct PixelShuffleUpscale {
    public var rows: UnsafePointer<Float>
    public var rowCount: Int, firstRow: Int
    public var top: UnsafePointer<Int>, bottom: UnsafePointer<Int>
    public var weight: UnsafePointer<Float>

    public init(rows: UnsafePointer<Float>, rowCount: Int, firstRow: Int, top: UnsafePointer<Int>, bottom: UnsafePointer<Int>,
                weight: UnsafePointer<Float>) {
        self.rows = rows
        self.rowCount = rowCount
        self.firstRow = firstRow
        self.top = top
        self.bottom = bottom
        self.weight = weight
    }

    /// Resizes input row `row` ([w'] floats) horizontally into `target` ([outputWidth]), bilinear:
    /// `row[x0] + (row[x1] - row[x0]) · wx` per output column, as ``ResizeStep`` does.
    @inlinable @inline(__always)
    public static func resizeRow(_ row: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, outputWidth: Int,
                                 x0: UnsafePointer<Int>, x1: UnsafePointer<Int>, wx: UnsafePointer<Float>) {
        for ox in 0..<outputWidth {
            let a = row[x0[ox]], b = row[x1[ox]]
            target[ox] = a + (b - a) * wx[ox]
        }
    }
}
