import Foundation

// MARK: - WinogradBand

/// 3x3 convolution, stride 1, padding 1 on the left and right, as Winograd F(2x2, 3x3) fused over
/// a band of output rows: the input transform, the 16 products and the output transform of 16
/// tiles at a time stay in L1/L2, and nothing but the output rows is written to memory.
///
/// ``Winograd`` transforms a whole plane, multiplies it with the packed GEMM and transforms it back:
/// three passes over planes 4x the size of the activations, which at 32 channels and 128² or more
/// are bound by memory. Here a band's input rows are copied once into zero-padded lines (as
/// ``DirectConvolution`` does), then every chunk of 16 tiles (2 output rows x 32 columns) runs:
/// 1. V_ξ [C][16] = Bᵀ d B of each input channel (16 vectors of 16 tiles per channel);
/// 2. P [M][ξ][16] = Σ_c U_ξ[c][m] · V_ξ[c], a register tile of `S.rows` output channels x 16 tiles
///    over the input channels, one FMA per channel and output channel;
/// 3. Aᵀ P A, the bias, the epilogue and the curve in registers, even and odd columns interleaved,
///    stored as two rows of 32 outputs.
/// 16 multiplications per 2x2 outputs and input channel instead of 36; the transforms use only
/// 0, ±1 and ±½ (the weights' U = G g Gᵀ is computed in Double at load), so the result stays within
/// a few ulp of the direct convolution.
///
/// Arguments are ``DirectConvolutionArguments`` with a 3x3 kernel, `padLeft` 1 and the output as
/// wide as the input (`padTop` places the band, as for the direct kernel); the weights are packed by
/// ``pack(_:outputChannels:inputChannels:)``; scratch holds
/// ``scratchCount(inputChannels:outputChannels:outputWidth:rows:)`` floats.
public enum WinogradBand {
    /// The kernel's precondition (3x3, "same" width, padding 1 left and right); which convolutions
    /// go Winograd is the engine's one rule, `ConvGeometry.prefersWinograd`.
    public static func supports(kernelHeight: Int, kernelWidth: Int, padLeft: Int, width: Int, outputWidth: Int) -> Bool {
        kernelHeight == 3 && kernelWidth == 3 && padLeft == 1 && outputWidth == width
    }

    /// Floats between the weights of two (ξ, input channel) pairs: M rounded up to 16.
    public static func channelStride(outputChannels m: Int) -> Int { (m + 15) / 16 * 16 }

    /// Packs weights [M, C, 3, 3] as U_ξ = (G g Gᵀ)_ξ in [16 ξ][C][channelStride] (zero padded).
    public static func pack(_ weights: [Float], outputChannels m: Int, inputChannels c: Int) -> [Float] {
        precondition(weights.count == m * c * 9, "WinogradBand.pack: \(weights.count) weights for \(m)x\(c)x3x3")
        let stride = channelStride(outputChannels: m)
        let u = Winograd.transformWeights(weights, outputChannels: m, inputChannels: c)  // [16 ξ][M][C]
        var packed = [Float](repeating: 0, count: 16 * c * stride)
        for xi in 0..<16 {
            for mo in 0..<m {
                for ci in 0..<c { packed[(xi * c + ci) * stride + mo] = u[(xi * m + mo) * c + ci] }
            }
        }
        return packed
    }

    /// Tiles of 16 per chunk row: the output row's tiles (2 columns each) rounded up to 16.
    public static func tileColumns(outputWidth w: Int) -> Int { ((w + 1) / 2 + 15) / 16 * 16 }

    /// A padded line: x[ix] at ix + 1, room for the last chunk's SIMD32 loads (columns up to
    /// 2 · tileColumns + 1), in whole cache lines.
    public static func lineLength(outputWidth w: Int) -> Int { (2 * tileColumns(outputWidth: w) + 2 + 15) / 16 * 16 }

    /// Lines of a band of `rows` output rows: two per tile row, plus the kernel's reach.
    public static func bandLines(rows: Int) -> Int { 2 * ((rows + 1) / 2) + 2 }

    /// Floats of scratch per thread, for bands of at most `rows` output rows: the padded lines,
    /// V of one chunk [16][C][16] and its products [M padded][16][16].
    public static func scratchCount(inputChannels c: Int, outputChannels m: Int, outputWidth w: Int, rows: Int) -> Int {
        c * bandLines(rows: rows) * lineLength(outputWidth: w) + 16 * c * 16 + channelStride(outputChannels: m) * 16 * 16
    }

    /// Computes output rows `args.rows` of one image, `S.rows` output channels per register tile
    /// (a divisor of 16; AVX-512: 16 zmm accumulators).
    @inlinable @inline(__always)
    public static func run<S: TileShape>(_ args: DirectConvolutionArguments, tile: S.Type) {
        let c = args.channels, h = args.height, w = args.width, m = args.outputChannels
        let oh = args.outputHeight, ow = args.outputWidth
        precondition(supports(kernelHeight: args.kernelHeight, kernelWidth: args.kernelWidth, padLeft: args.padLeft, width: w, outputWidth: ow)
                     && 16 % S.rows == 0 && S.vectors == 1)
        let stride = channelStride(outputChannels: m), length = lineLength(outputWidth: ow)
        let lineCount = bandLines(rows: args.rows.count)
        let lines = args.scratch
        let transformed = args.scratch + c * lineCount * length
        let products = transformed + 16 * c * 16
        // Line t of channel ci holds input row rows.lowerBound - padTop + t, x[ix] at ix + 1.
        for ci in 0..<c {
            let scale = args.inputScale?[ci] ?? 1
            for t in 0..<lineCount {
                let line = lines + (ci * lineCount + t) * length
                let iy = args.rows.lowerBound - args.padTop + t
                if iy < 0 || iy >= h {
                    line.update(repeating: 0, count: length)
                    continue
                }
                line[0] = 0
                let source = args.input + (ci * h + iy) * w
                if args.inputScale == nil {
                    (line + 1).update(from: source, count: w)
                } else {
                    for x in 0..<w { line[1 + x] = source[x] * scale }
                }
                (line + 1 + w).update(repeating: 0, count: length - 1 - w)
            }
        }
        let tileRows = (args.rows.count + 1) / 2, chunkColumns = tileColumns(outputWidth: ow)
        let rawLines = UnsafeRawPointer(lines), rawV = UnsafeMutableRawPointer(transformed)
        for ty in 0..<tileRows {
            var tx0 = 0
            while tx0 < chunkColumns {
                // 1. V_ξ[ci] for the 16 tiles: d[i][j] = line 2·ty + i, column 2·tx + j.
                for ci in 0..<c {
                    @inline(__always) func row(_ i: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
                        let base = (((ci * lineCount) + 2 * ty + i) * length + 2 * tx0) * 4
                        let first = rawLines.loadUnaligned(fromByteOffset: base, as: SIMD32<Float>.self)
                        let second = rawLines.loadUnaligned(fromByteOffset: base + 8, as: SIMD32<Float>.self)
                        return (first.evenHalf, first.oddHalf, second.evenHalf, second.oddHalf)
                    }
                    let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
                    // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
                    let r0 = (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
                    let r1 = (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
                    let r2 = (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
                    let r3 = (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
                    let step = c * 64
                    @inline(__always) func store(_ r: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>), _ i: Int) {
                        // (Bᵀ d) B: columns r0 - r2, r1 + r2, r2 - r1, r1 - r3; ξ = 4i + j at [ξ][ci].
                        let base = ci * 64 + 4 * i * step
                        rawV.storeBytes(of: r.0 - r.2, toByteOffset: base, as: SIMD16<Float>.self)
                        rawV.storeBytes(of: r.1 + r.2, toByteOffset: base + step, as: SIMD16<Float>.self)
                        rawV.storeBytes(of: r.2 - r.1, toByteOffset: base + 2 * step, as: SIMD16<Float>.self)
                        rawV.storeBytes(of: r.1 - r.3, toByteOffset: base + 3 * step, as: SIMD16<Float>.self)
                    }
                    store(r0, 0)
                    store(r1, 1)
                    store(r2, 2)
                    store(r3, 3)
                }
                // 2. P[m][ξ] = Σ_c U_ξ[c][m] · V_ξ[c], S.rows output channels at a time.
                for xi in 0..<16 {
                    var m0 = 0
                    while m0 < m {
                        productTile(S.self, channels: c, transformed: UnsafeRawPointer(transformed + xi * c * 16),
                                    weights: args.weights + xi * c * stride + m0, stride: stride, products: products + (m0 * 16 + xi) * 16)
                        m0 += S.rows
                    }
                }
                // 3. Aᵀ P A + bias, epilogue, curve; even and odd columns interleaved.
                let columns = Swift.min(32, ow - 2 * tx0)
                let oy = args.rows.lowerBound + 2 * ty, second = oy + 1 < args.rows.upperBound
                let rawP = UnsafeRawPointer(products)
                for mo in 0..<m {
                    @inline(__always) func p(_ xi: Int) -> SIMD16<Float> {
                        rawP.load(fromByteOffset: (mo * 16 + xi) * 64, as: SIMD16<Float>.self)
                    }
                    // Aᵀ p: rows p0 + p1 + p2 and p1 - p2 - p3, per column j.
                    @inline(__always) func column(_ j: Int) -> (SIMD16<Float>, SIMD16<Float>) {
                        let a = p(j), b = p(4 + j), cc = p(8 + j), d = p(12 + j)
                        return (a + b + cc, b - cc - d)
                    }
                    let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
                    // (A nested function here is compiled once, for the baseline, and called: spelled out.)
                    let bias = SIMD16<Float>(repeating: args.bias[mo]), epilogue = args.epilogue, curve = args.curve
                    let y00 = curve.apply(epilogue.apply(c0.0 + c1.0 + c2.0 + bias)), y01 = curve.apply(epilogue.apply(c1.0 - c2.0 - c3.0 + bias))
                    let out = args.output + (mo * oh + oy) * ow + 2 * tx0
                    put(y00, y01, out, columns: columns)
                    if second {
                        let y10 = curve.apply(epilogue.apply(c0.1 + c1.1 + c2.1 + bias)), y11 = curve.apply(epilogue.apply(c1.1 - c2.1 - c3.1 + bias))
                        put(y10, y11, out + ow, columns: columns)
                    }
                }
                tx0 += 16
            }
        }
    }

    /// `S.rows` output channels x 16 tiles of one ξ: Σ over `channels` of the weights (broadcast)
    /// times V, stored as `S.rows` vectors 256 floats apart.
    @inlinable @inline(__always)
    static func productTile<S: TileShape>(_: S.Type, channels: Int, transformed: UnsafeRawPointer, weights: UnsafePointer<Float>,
                                          stride: Int, products: UnsafeMutablePointer<Float>) {
        let rows = S.rows
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { acc in
            for r in 0..<rows { acc[r] = SIMD16<Float>() }
            var wp = weights
            for ci in 0..<channels {
                let v = transformed.load(fromByteOffset: ci * 64, as: SIMD16<Float>.self)
                for r in 0..<rows { acc[r] = acc[r].addingProduct(SIMD16(repeating: wp[r]), v) }
                wp += stride
            }
            let raw = UnsafeMutableRawPointer(products)
            for r in 0..<rows { raw.storeBytes(of: acc[r], toByteOffset: r * 1024, as: SIMD16<Float>.self) }
        }
    }

    /// Interleaves even and odd columns and stores the first `columns` (≤ 32) of them at `out`.
    @inlinable @inline(__always)
    static func put(_ even: SIMD16<Float>, _ odd: SIMD16<Float>, _ out: UnsafeMutablePointer<Float>, columns: Int) {
        var v = SIMD32<Float>()
        v.evenHalf = even
        v.oddHalf = odd
        if columns == 32 {
            UnsafeMutableRawPointer(out).storeBytes(of: v, as: SIMD32<Float>.self)
        } else {
            for lane in 0..<columns { out[lane] = v[lane] }
        }
    }

    /// The reference: F(2x2, 3x3) written out per tile in Double, on unpacked weights [M, C, 3, 3]
    /// and input [C, H, W] (scaled per channel by `inputScale`), padding 1 left and right and
    /// `padTop` above (outside the input reads as 0), output rows `rows` of width W in [M][rows][W]
    /// order, through the epilogue and the curve.
    public static func reference(
        input: [Float], channels c: Int, height h: Int, width w: Int, inputScale: [Float]?,
        weights: [Float], outputChannels m: Int, bias: [Float], padTop: Int, rows: Range<Int>,
        epilogue: LinearEpilogue, curve: CurveFunction
    ) -> [Float] {
        func x(_ ci: Int, _ iy: Int, _ ix: Int) -> Double {
            guard iy >= 0, iy < h, ix >= 0, ix < w else { return 0 }
            return Double(input[(ci * h + iy) * w + ix]) * Double(inputScale?[ci] ?? 1)
        }
        let bt: [[Double]] = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
        let at: [[Double]] = [[1, 1, 1, 0], [0, 1, -1, -1]]
        let transformed = Winograd.transformWeights(weights, outputChannels: m, inputChannels: c)  // [16 ξ][M][C]
        let u = (0..<(m * c)).map { pair in (0..<16).map { Double(transformed[($0 * m + pair / c) * c + pair % c]) } }
        var out = [Float](repeating: 0, count: m * rows.count * w)
        var oy0 = rows.lowerBound
        while oy0 < rows.upperBound {
            for ox0 in stride(from: 0, to: w, by: 2) {
                // V = Bᵀ d B per input channel.
                var v = [[Double]](repeating: [Double](repeating: 0, count: 16), count: c)
                for ci in 0..<c {
                    for i in 0..<4 {
                        for j in 0..<4 {
                            var sum = 0.0
                            for a in 0..<4 { for b in 0..<4 { sum += bt[i][a] * x(ci, oy0 - padTop + a, ox0 - 1 + b) * bt[j][b] } }
                            v[ci][4 * i + j] = sum
                        }
                    }
                }
                for mo in 0..<m {
                    var p = [Double](repeating: 0, count: 16)
                    for ci in 0..<c { for xi in 0..<16 { p[xi] += u[mo * c + ci][xi] * v[ci][xi] } }
                    for i in 0..<2 {
                        for j in 0..<2 {
                            let oy = oy0 + i, ox = ox0 + j
                            guard oy < rows.upperBound, ox < w else { continue }
                            var sum = Double(bias[mo])
                            for a in 0..<4 { for b in 0..<4 { sum += at[i][a] * p[4 * a + b] * at[j][b] } }
                            let y = epilogue.apply(Float(sum))
                            let value: Float = switch curve {
                            case .none: y
                            case .tanh: Float(Foundation.tanh(Double(y)))
                            case .sigmoid: Float(1 / (1 + Foundation.exp(-Double(y))))
                            }
                            out[(mo * rows.count + oy - rows.lowerBound) * w + ox] = value
                        }
                    }
                }
            }
            oy0 += 2
        }
        return out
    }
}
