// MARK: - TransposedGather

/// The col2im of a transposed convolution with kernel 4, stride 2, padding 1 (the DCGAN
/// up-sampling block, output 2H x 2W), as a gather: every output pixel is the sum of exactly 2x2
/// taps, computed once with bias and epilogue, and stored once.
///
/// cols [16, H·W] holds one output channel's taps (ky·4 + kx) for every input pixel. Output row
/// oy = 2i takes ky = 1 from input row i and ky = 3 from row i - 1; oy = 2i + 1 takes ky = 0 from
/// row i + 1 and ky = 2 from row i. Columns follow the same rule with kx.
public enum TransposedGather {
    /// cols [16, h·w] → output [2h, 2w] of one channel.
    @inlinable @inline(__always)
    public static func k4s2p1(_ args: GatherArguments) {
        let cols = args.cols, h = args.height, w = args.width, y = args.output, bias = args.bias, epilogue = args.epilogue
        let ow = 2 * w, plane = h * w
        let b = SIMD16<Float>(repeating: bias)
        for oy in 0..<(2 * h) {
            let i = oy >> 1
            // The (up to) two contributing (ky, iy) pairs.
            let (kyA, iyA, kyB, iyB) = oy & 1 == 0 ? (1, i, 3, i - 1) : (0, i + 1, 2, i)
            let hasA = iyA >= 0 && iyA < h, hasB = iyB >= 0 && iyB < h
            let out = y + oy * ow
            let rawOut = UnsafeMutableRawPointer(out)
            var j = 0
            while j < w {
                let count = Swift.min(16, w - j)
                var even = b, odd = b
                if count == 16 {
                    // Lane 0 of the first chunk has no x - 1 tap, lane 15 of the last no x + 1 tap; the
                    // loads stay inside this channel's cols rows and those lanes are zeroed.
                    let first = j == 0, last = j + 16 == w
                    if hasA { gather(cols + kyA * 4 * plane + iyA * w + j, plane, first, last, &even, &odd) }
                    if hasB { gather(cols + kyB * 4 * plane + iyB * w + j, plane, first, last, &even, &odd) }
                } else {
                    // Even output columns ox = 2x: kx = 1 at ix = x, kx = 3 at ix = x - 1.
                    // Odd output columns ox = 2x + 1: kx = 0 at ix = x + 1, kx = 2 at ix = x.
                    for lane in 0..<count {
                        let x = j + lane
                        var e: Float = 0, o: Float = 0
                        @inline(__always) func add(_ ky: Int, _ iy: Int) {
                            let row = cols + ky * 4 * plane + iy * w
                            e += row[plane + x]
                            if x >= 1 { e += row[3 * plane + x - 1] }
                            if x + 1 < w { o += row[x + 1] }
                            o += row[2 * plane + x]
                        }
                        if hasA { add(kyA, iyA) }
                        if hasB { add(kyB, iyB) }
                        even[lane] += e
                        odd[lane] += o
                    }
                }
                even = epilogue.apply(even)
                odd = epilogue.apply(odd)
                if count == 16 {
                    var both = SIMD32<Float>()
                    both.evenHalf = even
                    both.oddHalf = odd
                    rawOut.storeBytes(of: both, toByteOffset: 2 * j * 4, as: SIMD32<Float>.self)
                } else {
                    for lane in 0..<count {
                        out[2 * (j + lane)] = even[lane]
                        out[2 * (j + lane) + 1] = odd[lane]
                    }
                }
                j += count
            }
        }
    }

    /// Adds the four kx taps of one ky row for 16 even and 16 odd output columns.
    /// `base` points at tap (ky, kx = 0), input row iy, column j; taps are `plane` floats apart.
    @inlinable @inline(__always)
    static func gather(_ base: UnsafePointer<Float>, _ plane: Int, _ first: Bool, _ last: Bool, _ even: inout SIMD16<Float>, _ odd: inout SIMD16<Float>) {
        let r0 = UnsafeRawPointer(base + 1), r1 = UnsafeRawPointer(base + plane)
        let r2 = UnsafeRawPointer(base + 2 * plane), r3 = UnsafeRawPointer(base + 3 * plane - 1)
        var left = r3.loadUnaligned(as: SIMD16<Float>.self)
        var right = r0.loadUnaligned(as: SIMD16<Float>.self)
        if first { left[0] = 0 }
        if last { right[15] = 0 }
        even += r1.loadUnaligned(as: SIMD16<Float>.self) + left
        odd += right + r2.loadUnaligned(as: SIMD16<Float>.self)
    }
}

// MARK: - GatherArguments

/// One output channel of ``TransposedGather/k4s2p1(_:)``: cols [16, height·width] → output
/// [2·height, 2·width], plus `bias`, then the epilogue.
public struct GatherArguments {
    public var cols: UnsafePointer<Float>
    public var height: Int, width: Int
    public var output: UnsafeMutablePointer<Float>
    public var bias: Float
    public var epilogue: LinearEpilogue

    public init(cols: UnsafePointer<Float>, height: Int, width: Int, output: UnsafeMutablePointer<Float>, bias: Float, epilogue: LinearEpilogue) {
        self.cols = cols
        self.height = height
        self.width = width
        self.output = output
        self.bias = bias
        self.epilogue = epilogue
    }
}
