// MARK: - DirectConvolution

/// Convolution with stride 1 and at most 4 output channels (the final RGB layer), without im2col.
///
/// The input rows a thread's band of output rows needs are copied once per input channel into
/// zero-padded lines ([C][band rows][lineLength] in scratch), multiplied by an optional
/// per-channel scale (a channel gate fused from the graph). Then every `16 · S.vectors` output
/// columns keep all `S.rows` output channels' sums in registers while the (channel, ky, kx) taps
/// stream: `S.vectors` unaligned loads of the line and one FMA per output channel and vector per
/// tap. Weights are packed at load as [C][kH][kW][4], so the 4 weights of a tap are adjacent.
/// The bias, the epilogue and a curve (tanh, sigmoid) are applied in registers before the store.
public enum DirectConvolution {
    /// The largest number of output channels.
    public static let maximumOutputChannels = 4
    /// The widest block of output columns a tile covers.
    public static let maximumBlock = 64

    /// Packs weights [M, C, kH, kW] as [C][kH][kW][4].
    public static func pack(_ weights: [Float], outputChannels m: Int, inputChannels c: Int, kernelHeight kh: Int, kernelWidth kw: Int) -> [Float] {
        precondition(m <= maximumOutputChannels && weights.count == m * c * kh * kw)
        var packed = [Float](repeating: 0, count: c * kh * kw * 4)
        for co in 0..<m {
            for tap in 0..<(c * kh * kw) { packed[tap * 4 + co] = weights[co * c * kh * kw + tap] }
        }
        return packed
    }

    /// Floats of one zero-padded line: the output row rounded up to a whole block, plus the kernel's reach.
    public static func lineLength(outputWidth: Int, kernelWidth: Int) -> Int {
        (outputWidth + maximumBlock - 1) / maximumBlock * maximumBlock + kernelWidth + 15
    }

    /// Floats of scratch per thread, for bands of at most `rows` output rows.
    public static func scratchCount(inputChannels c: Int, kernelHeight kh: Int, outputWidth: Int, kernelWidth: Int, rows: Int) -> Int {
        c * (rows + kh - 1) * lineLength(outputWidth: outputWidth, kernelWidth: kernelWidth)
    }

    /// Computes output rows `args.rows` of one image (see ``DirectConvolutionArguments``) with
    /// `S.rows` ≥ `args.outputChannels` accumulated channels.
    @inlinable @inline(__always)
    public static func run<S: TileShape>(_ args: DirectConvolutionArguments, tile: S.Type) {
        let c = args.channels, h = args.height, w = args.width, m = args.outputChannels
        let oh = args.outputHeight, ow = args.outputWidth, kh = args.kernelHeight, kw = args.kernelWidth
        let padTop = args.padTop, padLeft = args.padLeft, epilogue = args.epilogue, curve = args.curve
        let input = args.input, output = args.output, weights = args.weights, bias = args.bias, scratch = args.scratch
        precondition(m <= S.rows && S.vectors * 16 <= maximumBlock)
        let length = lineLength(outputWidth: ow, kernelWidth: kw)
        // Input columns that land inside a line: line[padLeft + ix] = x[ix].
        let copyStart = Swift.max(0, -padLeft), copyEnd = Swift.min(w, length - padLeft)
        let lines = UnsafeRawPointer(scratch)
        // Band row t holds input row rows.lowerBound - padTop + t of every channel.
        let bandRows = args.rows.count + kh - 1
        for ci in 0..<c {
            let scale = args.inputScale?[ci] ?? 1
            for t in 0..<bandRows {
                let line = scratch + (ci * bandRows + t) * length
                let iy = args.rows.lowerBound - padTop + t
                if iy < 0 || iy >= h || copyEnd <= copyStart {
                    line.update(repeating: 0, count: length)
                    continue
                }
                let lo = padLeft + copyStart, hi = padLeft + copyEnd
                if lo > 0 { line.update(repeating: 0, count: lo) }
                let source = input + (ci * h + iy) * w + copyStart
                if args.inputScale == nil {
                    (line + lo).update(from: source, count: hi - lo)
                } else {
                    for x in 0..<(hi - lo) { line[lo + x] = source[x] * scale }
                }
                if hi < length { (line + hi).update(repeating: 0, count: length - hi) }
            }
        }
        let rows = S.rows, vectors = S.vectors, block = 16 * vectors
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { acc in
            for oy in args.rows {
                let band = oy - args.rows.lowerBound
                var x0 = 0
                while x0 < ow {
                    for r in 0..<rows {
                        for v in 0..<vectors { acc[r * vectors + v] = SIMD16<Float>(repeating: r < m ? bias[r] : 0) }
                    }
                    var wp = weights
                    for row in 0..<(c * kh) {
                        let ci = row / kh, ky = row - ci * kh
                        let line = lines + ((ci * bandRows + band + ky) * length + x0) * 4
                        for kx in 0..<kw {
                            for v in 0..<vectors {
                                let x = line.loadUnaligned(fromByteOffset: (kx + 16 * v) * 4, as: SIMD16<Float>.self)
                                for r in 0..<rows {
                                    acc[r * vectors + v] = acc[r * vectors + v].addingProduct(SIMD16(repeating: wp[r]), x)
                                }
                            }
                            wp += 4
                        }
                    }
                    for r in 0..<m {
                        let out = output + (r * oh + oy) * ow
                        for v in 0..<vectors {
                            let start = x0 + 16 * v
                            if start >= ow { break }
                            let y = curve.apply(epilogue.apply(acc[r * vectors + v]))
                            if start + 16 <= ow {
                                UnsafeMutableRawPointer(out + start).storeBytes(of: y, as: SIMD16<Float>.self)
                            } else {
                                for lane in 0..<(ow - start) { out[start + lane] = y[lane] }
                            }
                        }
                    }
                    x0 += block
                }
            }
        }
    }
}

// MARK: - DirectConvolutionArguments

/// One call of ``DirectConvolution/run(_:tile:)``: input [C, H, W], output [M, OH, OW] (M ≤ 4),
/// weights packed by ``DirectConvolution/pack(_:outputChannels:inputChannels:kernelHeight:kernelWidth:)``,
/// bias [M]; padding reads as 0; `inputScale`, when given, multiplies input channel c by
/// `inputScale[c]` first; the epilogue, then the curve, are applied before the store. `scratch` holds
/// ``DirectConvolution/scratchCount(inputChannels:kernelHeight:outputWidth:kernelWidth:rows:)`` floats.
public struct DirectConvolutionArguments {
    public var input: UnsafePointer<Float>
    public var channels: Int, height: Int, width: Int
    public var inputScale: UnsafePointer<Float>?
    public var output: UnsafeMutablePointer<Float>
    public var outputChannels: Int, outputHeight: Int, outputWidth: Int
    public var weights: UnsafePointer<Float>
    public var bias: UnsafePointer<Float>
    public var kernelHeight: Int, kernelWidth: Int, padTop: Int, padLeft: Int
    public var rows: Range<Int>
    public var epilogue: LinearEpilogue
    public var curve: CurveFunction
    public var scratch: UnsafeMutablePointer<Float>

    public init(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, inputScale: UnsafePointer<Float>?,
                output: UnsafeMutablePointer<Float>, outputChannels: Int, outputHeight: Int, outputWidth: Int,
                weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernelHeight: Int, kernelWidth: Int,
                padTop: Int, padLeft: Int, rows: Range<Int>, epilogue: LinearEpilogue, curve: CurveFunction,
                scratch: UnsafeMutablePointer<Float>) {
        self.input = input
        self.channels = channels
        self.height = height
        self.width = width
        self.inputScale = inputScale
        self.output = output
        self.outputChannels = outputChannels
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.weights = weights
        self.bias = bias
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.rows = rows
        self.epilogue = epilogue
        self.curve = curve
        self.scratch = scratch
    }
}

// MARK: - Direct convolution tiles

/// Output channels x columns of ``DirectConvolution``'s register tile: AVX-512 keeps 64 columns of
/// up to 4 channels (≤ 16 zmm), AVX2 (16 ymm, two per SIMD16) fewer columns as channels grow.
public enum Tile1x64: TileShape {
    @inlinable public static var rows: Int { 1 }
    @inlinable public static var vectors: Int { 4 }
}

public enum Tile2x64: TileShape {
    @inlinable public static var rows: Int { 2 }
    @inlinable public static var vectors: Int { 4 }
}

public enum Tile3x64: TileShape {
    @inlinable public static var rows: Int { 3 }
    @inlinable public static var vectors: Int { 4 }
}

public enum Tile4x64: TileShape {
    @inlinable public static var rows: Int { 4 }
    @inlinable public static var vectors: Int { 4 }
}

public enum Tile2x32: TileShape {
    @inlinable public static var rows: Int { 2 }
    @inlinable public static var vectors: Int { 2 }
}

public enum Tile3x32: TileShape {
    @inlinable public static var rows: Int { 3 }
    @inlinable public static var vectors: Int { 2 }
}

public enum Tile4x16: TileShape {
    @inlinable public static var rows: Int { 4 }
    @inlinable public static var vectors: Int { 1 }
}
