// MARK: - Winograd

/// 3x3 convolution, stride 1, padding 1, as Winograd F(2x2, 3x3): each 2x2 block of outputs
/// ("tile") of each output channel takes 16 multiplications per input channel instead of 36.
///
/// With d a tile's 4x4 input patch and g a 3x3 kernel, the outputs are Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A.
/// Summed over input channels, the element-wise product becomes 16 independent matrix products
/// (one per position ξ of the 4x4 transformed tile): M_ξ [M, T] = U_ξ [M, C] · V_ξ [C, T], with
/// U = G g Gᵀ transformed once at load and V = Bᵀ d B per frame, T = the number of tiles. The
/// products run on the packed GEMM; the transforms work on 16 tiles (one row of tiles) at a time.
/// The transform matrices hold only 0, ±1 and ±½, so the result stays within a few ulp of the
/// direct convolution.
///
/// The transforms are generic over the calling ISA module's tile type only so that each ISA module
/// compiles its own copy (see Scripts/check-kernel-calls.sh).
public enum Winograd {
    /// Tiles of 2x2 outputs covering an h x w output (a last half tile where h or w is odd).
    public static func tiles(height h: Int, width w: Int) -> (rows: Int, columns: Int) {
        ((h + 1) / 2, (w + 1) / 2)
    }

    /// U = G g Gᵀ for every (output, input) channel pair of weights [M, C, 3, 3], as 16 matrices
    /// U_ξ [M, C] (ξ = 4 · row + column of the transformed tile), concatenated.
    public static func transformWeights(_ weights: [Float], outputChannels m: Int, inputChannels c: Int) -> [Float] {
        precondition(weights.count == m * c * 9, "transformWeights: \(weights.count) weights for \(m)x\(c)x3x3")
        // G = [[1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]], in Double.
        let gMatrix: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var u = [Float](repeating: 0, count: 16 * m * c)
        for mo in 0..<m {
            for ci in 0..<c {
                let g = (0..<9).map { Double(weights[(mo * c + ci) * 9 + $0]) }
                // t = G g (4x3), then U = t Gᵀ (4x4).
                var t = [[Double]](repeating: [0, 0, 0], count: 4)
                for i in 0..<4 { for j in 0..<3 { t[i][j] = (0..<3).reduce(0) { $0 + gMatrix[i][$1] * g[$1 * 3 + j] } } }
                for i in 0..<4 {
                    for j in 0..<4 {
                        let value = (0..<3).reduce(0) { $0 + t[i][$1] * gMatrix[j][$1] }
                        u[((4 * i + j) * m + mo) * c + ci] = Float(value)
                    }
                }
            }
        }
        return u
    }

    /// Floats of one zero-padded copy of an input plane: h + 2 rows (plus slack rows for an odd
    /// height) of `lineLength(width:)`.
    public static func planeCount(height h: Int, width w: Int) -> Int { (2 * tiles(height: h, width: w).rows + 2) * lineLength(width: w) }

    /// Floats of scratch for ``transformInput(_:tile:)``: two padded planes.
    public static func scratchCount(height h: Int, width w: Int) -> Int { 2 * planeCount(height: h, width: w) }

    /// A padded line: x[ix] at ix + 1, and room for the last 16 tiles' SIMD32 loads (columns up to
    /// 2 · tx0 + 33), in whole cache lines.
    public static func lineLength(width w: Int) -> Int {
        let tileColumns = ((w + 1) / 2 + 15) / 16 * 16
        return (2 * tileColumns + 2 + 15) / 16 * 16
    }

    /// Floats between the rows of a V_ξ: the tiles plus 16 of slack, so the transform always
    /// stores whole vectors (lanes past the row's tiles land in later tiles, rewritten after, or in
    /// the slack).
    public static func transformedRowLength(height h: Int, width w: Int) -> Int {
        let (rows, columns) = tiles(height: h, width: w)
        return rows * columns + 16
    }

    /// V_ξ [C, T] for input channels `args.channels` of one image: input [C, H, W] → v [16][C][T + 16].
    @inlinable @inline(__always)
    public static func transformInput<S: TileShape>(_ args: WinogradInputArguments, tile: S.Type) {
        let h = args.height, w = args.width, c = args.totalChannels
        let (tileRows, tileColumns) = tiles(height: h, width: w)
        let t = tileRows * tileColumns + 16
        let length = lineLength(width: w)
        // Two padded planes: channel ci is copied into one while channel ci - 1 is transformed
        // from the other, so the transform never loads what was just stored at another offset (a
        // store-forwarding stall on every load).
        let planeSize = planeCount(height: h, width: w), planeRows = 2 * tileRows + 2
        for index in 0..<2 {
            let plane = args.scratch + index * planeSize
            // The zero border: row 0 and the rows past the input, column 0 and the columns past the
            // input of every input row (the copies fill the rest).
            plane.update(repeating: 0, count: length)
            (plane + (h + 1) * length).update(repeating: 0, count: (planeRows - h - 1) * length)
            for y in 1...h {
                plane[y * length] = 0
                (plane + y * length + w + 1).update(repeating: 0, count: length - w - 1)
            }
        }
        @inline(__always) func copy(_ ci: Int, into plane: UnsafeMutablePointer<Float>) {
            // Plane row r + 1 = input row r, column x + 1 = input column x.
            for y in 0..<h {
                let source = UnsafeRawPointer(args.input + (ci * h + y) * w)
                let line = UnsafeMutableRawPointer(plane + (y + 1) * length + 1)
                var x = 0
                while x + 16 <= w {
                    line.storeBytes(of: source.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self), toByteOffset: x * 4, as: SIMD16<Float>.self)
                    x += 16
                }
                while x < w {
                    line.storeBytes(of: source.load(fromByteOffset: x * 4, as: Float.self), toByteOffset: x * 4, as: Float.self)
                    x += 1
                }
            }
        }
        if let first = args.channels.first { copy(first, into: args.scratch) }
        for ci in args.channels {
            let index = ci - args.channels.lowerBound
            let plane = args.scratch + (index & 1) * planeSize
            if ci + 1 < args.channels.upperBound { copy(ci + 1, into: args.scratch + ((index + 1) & 1) * planeSize) }
            let raw = UnsafeRawPointer(plane)
            for ty in 0..<tileRows {
                var tx0 = 0
                while tx0 < tileColumns {
                    // d[i][j] for 16 tiles: padded row 2·ty + i, column 2·tx + j.
                    @inline(__always) func row(_ i: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
                        let base = ((2 * ty + i) * length + 2 * tx0) * 4
                        let first = raw.loadUnaligned(fromByteOffset: base, as: SIMD32<Float>.self)
                        let second = raw.loadUnaligned(fromByteOffset: base + 8, as: SIMD32<Float>.self)
                        return (first.evenHalf, first.oddHalf, second.evenHalf, second.oddHalf)
                    }
                    let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
                    // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
                    let r0 = (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
                    let r1 = (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
                    let r2 = (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
                    let r3 = (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
                    // V_ξ row ci at these tiles; ξ = 4i + j is c · t floats further per step.
                    let base = UnsafeMutableRawPointer(args.output + ci * t + ty * tileColumns + tx0), step = c * t * 4
                    @inline(__always) func store(_ r: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>), _ i: Int) {
                        // (Bᵀ d) B: columns r0 - r2, r1 + r2, r2 - r1, r1 - r3.
                        base.storeBytes(of: r.0 - r.2, toByteOffset: 4 * i * step, as: SIMD16<Float>.self)
                        base.storeBytes(of: r.1 + r.2, toByteOffset: (4 * i + 1) * step, as: SIMD16<Float>.self)
                        base.storeBytes(of: r.2 - r.1, toByteOffset: (4 * i + 2) * step, as: SIMD16<Float>.self)
                        base.storeBytes(of: r.1 - r.3, toByteOffset: (4 * i + 3) * step, as: SIMD16<Float>.self)
                    }
                    store(r0, 0)
                    store(r1, 1)
                    store(r2, 2)
                    store(r3, 3)
                    tx0 += 16
                }
            }
        }
    }

    /// Outputs of channels `args.channels` from the products M_ξ (rows = those channels, starting
    /// at the first of them, leading dimension T, one [count, T] block per ξ after another):
    /// Aᵀ M A, then bias and epilogue, into output [M, H, W].
    @inlinable @inline(__always)
    public static func transformOutput<S: TileShape>(_ args: WinogradOutputArguments, tile: S.Type) {
        let h = args.height, w = args.width
        let (tileRows, tileColumns) = tiles(height: h, width: w)
        let t = tileRows * tileColumns
        let block = args.channels.count * t
        for mo in args.channels {
            let local = mo - args.channels.lowerBound
            let bias = SIMD16<Float>(repeating: args.bias[mo])
            let outPlane = args.output + mo * h * w
            for ty in 0..<tileRows {
                var tx0 = 0
                while tx0 < tileColumns {
                    let offset = local * t + ty * tileColumns + tx0
                    let raw = UnsafeRawPointer(args.products + offset)
                    @inline(__always) func m(_ xi: Int) -> SIMD16<Float> {
                        raw.loadUnaligned(fromByteOffset: xi * block * 4, as: SIMD16<Float>.self)
                    }
                    // Aᵀ m: rows m0 + m1 + m2 and m1 - m2 - m3, per column j.
                    @inline(__always) func column(_ j: Int) -> (SIMD16<Float>, SIMD16<Float>) {
                        let a = m(j), b = m(4 + j), c = m(8 + j), d = m(12 + j)
                        return (a + b + c, b - c - d)
                    }
                    let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
                    // (Aᵀ m) A: columns u0 + u1 + u2 and u1 - u2 - u3.
                    let y00 = args.epilogue.apply(c0.0 + c1.0 + c2.0 + bias), y01 = args.epilogue.apply(c1.0 - c2.0 - c3.0 + bias)
                    let y10 = args.epilogue.apply(c0.1 + c1.1 + c2.1 + bias), y11 = args.epilogue.apply(c1.1 - c2.1 - c3.1 + bias)
                    let columns = Swift.min(32, w - 2 * tx0)
                    @inline(__always) func put(_ even: SIMD16<Float>, _ odd: SIMD16<Float>, _ y: Int) {
                        guard y < h else { return }
                        var v = SIMD32<Float>()
                        v.evenHalf = even
                        v.oddHalf = odd
                        let out = outPlane + y * w + 2 * tx0
                        if columns == 32 {
                            UnsafeMutableRawPointer(out).storeBytes(of: v, as: SIMD32<Float>.self)
                        } else {
                            for lane in 0..<columns { out[lane] = v[lane] }
                        }
                    }
                    put(y00, y01, 2 * ty)
                    put(y10, y11, 2 * ty + 1)
                    tx0 += 16
                }
            }
        }
    }
}

// MARK: - Winograd arguments

/// One call of ``Winograd/transformInput(_:tile:)``: input [C, H, W] of one image, the channels to
/// transform, output v [16][C][T + 16] (T = tiles, see ``Winograd/transformedRowLength(height:width:)``),
/// scratch of ``Winograd/scratchCount(height:width:)`` floats.
public struct WinogradInputArguments {
    public var input: UnsafePointer<Float>
    public var totalChannels: Int, height: Int, width: Int
    public var channels: Range<Int>
    public var output: UnsafeMutablePointer<Float>
    public var scratch: UnsafeMutablePointer<Float>

    public init(input: UnsafePointer<Float>, totalChannels: Int, height: Int, width: Int, channels: Range<Int>,
                output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        self.input = input
        self.totalChannels = totalChannels
        self.height = height
        self.width = width
        self.channels = channels
        self.output = output
        self.scratch = scratch
    }
}

/// One call of ``Winograd/transformOutput(_:tile:)``: the products of output channels `channels`
/// ([16][count][T]), bias [M], the epilogue, output [M, H, W] of one image.
public struct WinogradOutputArguments {
    public var products: UnsafePointer<Float>
    public var channels: Range<Int>
    public var height: Int, width: Int
    public var bias: UnsafePointer<Float>
    public var epilogue: LinearEpilogue
    public var output: UnsafeMutablePointer<Float>

    public init(products: UnsafePointer<Float>, channels: Range<Int>, height: Int, width: Int, bias: UnsafePointer<Float>,
                epilogue: LinearEpilogue, output: UnsafeMutablePointer<Float>) {
        self.products = products
        self.channels = channels
        self.height = height
        self.width = width
        self.bias = bias
        self.epilogue = epilogue
        self.output = output
    }
}
