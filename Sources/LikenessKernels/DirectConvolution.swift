import Foundation

// MARK: - DirectConvolution

/// Convolution with stride 1 computed straight from shifted rows of the input, without im2col.
///
/// The input rows a thread's band of output rows needs are copied once per input channel into
/// zero-padded lines ([C][band rows][lineLength] in scratch), multiplied by an optional
/// per-channel scale (a channel gate fused from the graph). Then every `16 · S.vectors` output
/// columns of `S.rows` output channels keep their sums in registers while the (channel, ky, kx)
/// taps stream: `S.vectors` unaligned loads of the line and one FMA per output channel and vector
/// per tap. Weights are packed at load as [C][kH][kW][M padded], so the weights of one tap for
/// consecutive output channels are adjacent. The bias, the epilogue and a curve (tanh, sigmoid)
/// are applied in registers before the store.
///
/// With at most 4 output channels (the RGB layer) one tile holds them all; for more, tiles of
/// 8 or 16 channels step through them (the refinement convolutions at 16 px and wider).
public enum DirectConvolution {
    /// The widest block of output columns a tile covers.
    public static let maximumBlock = 64

    /// Floats between the weights of two taps: M rounded up to 4 (up to 4 channels) or to 16.
    public static func channelStride(outputChannels m: Int) -> Int {
        m <= 4 ? 4 : (m + 15) / 16 * 16
    }

    /// Packs weights [M, C, kH, kW] as [C][kH][kW][channelStride].
    public static func pack(_ weights: [Float], outputChannels m: Int, inputChannels c: Int, kernelHeight kh: Int, kernelWidth kw: Int) -> [Float] {
        precondition(weights.count == m * c * kh * kw)
        let stride = channelStride(outputChannels: m)
        var packed = [Float](repeating: 0, count: c * kh * kw * stride)
        for co in 0..<m {
            for tap in 0..<(c * kh * kw) { packed[tap * stride + co] = weights[co * c * kh * kw + tap] }
        }
        return packed
    }

    /// Floats of one zero-padded line: the output row rounded up to a whole block, plus the
    /// kernel's reach, in whole cache lines (every line starts aligned; scratch is).
    public static func lineLength(outputWidth: Int, kernelWidth: Int) -> Int {
        ((outputWidth + maximumBlock - 1) / maximumBlock * maximumBlock + kernelWidth + 15 + 15) / 16 * 16
    }

    /// Lines of a band of `rows` output rows: the kernel's reach, plus room for a tile of stacked
    /// rows (see ``run(_:tile:)``) to run past the band's end.
    public static func bandLines(rows: Int, kernelHeight kh: Int) -> Int { rows + kh - 1 + maximumBlock / 16 - 1 }

    /// Floats of scratch per thread, for bands of at most `rows` output rows: the padded lines,
    /// then one byte offset (two floats' room) per tap.
    public static func scratchCount(inputChannels c: Int, kernelHeight kh: Int, outputWidth: Int, kernelWidth: Int, rows: Int) -> Int {
        c * bandLines(rows: rows, kernelHeight: kh) * lineLength(outputWidth: outputWidth, kernelWidth: kernelWidth) + 2 * c * kh * kernelWidth
    }

    /// Computes output rows `args.rows` of one image (see ``DirectConvolutionArguments``), `S.rows`
    /// output channels at a time (a divisor of ``channelStride(outputChannels:)``).
    @inlinable @inline(__always)
    public static func run<S: TileShape>(_ args: DirectConvolutionArguments, tile: S.Type) {
        let c = args.channels, h = args.height, w = args.width, m = args.outputChannels
        let oh = args.outputHeight, ow = args.outputWidth, kh = args.kernelHeight, kw = args.kernelWidth
        let padTop = args.padTop, padLeft = args.padLeft, epilogue = args.epilogue, curve = args.curve
        let input = args.input, output = args.output, weights = args.weights, bias = args.bias, scratch = args.scratch
        let stride = channelStride(outputChannels: m)
        precondition((m <= S.rows || stride % S.rows == 0) && S.vectors * 16 <= maximumBlock)
        let length = lineLength(outputWidth: ow, kernelWidth: kw)
        // Input columns that land inside a line: line[padLeft + ix] = x[ix].
        let copyStart = Swift.max(0, -padLeft), copyEnd = Swift.min(w, length - padLeft)
        let lines = UnsafeRawPointer(scratch)
        // Band row t holds input row rows.lowerBound - padTop + t of every channel.
        let bandRows = bandLines(rows: args.rows.count, kernelHeight: kh)
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
        // Byte offset of every (channel, ky, kx) tap from the (0, 0, 0) tap of a block, so the tile
        // runs one flat, branch-free loop over the taps (with nested loops, or a branch per kernel
        // row, the compiler stores the accumulators back to memory on every tap).
        let taps = c * kh * kw
        let offsets = UnsafeMutableRawPointer(scratch + c * bandRows * length).bindMemory(to: Int.self, capacity: taps)
        var t = 0
        for ci in 0..<c {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    offsets[t] = ((ci * bandRows + ky) * length + kx) * 4
                    t += 1
                }
            }
        }
        // A row of at most 16 outputs fills one vector: the tile's vectors then take consecutive
        // output rows (a line apart) instead of consecutive blocks of 16 columns.
        let stacked = ow <= 16 && S.vectors > 1
        let rows = S.rows, block = stacked ? ow : 16 * S.vectors, rowStep = stacked ? S.vectors : 1
        let columnBlocks = (ow + block - 1) / block, channelBlocks = (m + rows - 1) / rows
        var oy = args.rows.lowerBound
        while oy < args.rows.upperBound {
            let band = oy - args.rows.lowerBound
            for blockIndex in 0..<(channelBlocks * columnBlocks) {
                let c0 = blockIndex / columnBlocks * rows, x0 = blockIndex % columnBlocks * block
                registerTile(
                    S.self, taps: taps, offsets: offsets, line: lines + (band * length + x0) * 4, vectorBytes: stacked ? length * 4 : 64,
                    weights: weights + c0, stride: stride, bias: bias + c0, valid: Swift.min(rows, m - c0),
                    output: output + (c0 * oh + oy) * ow + x0, plane: oh * ow, columns: Swift.min(block, ow - x0),
                    vectorCount: stacked ? Swift.min(rowStep, args.rows.upperBound - oy) : S.vectors,
                    outputVectorStride: stacked ? ow : 16, columnsPerVector: stacked ? 0 : 16, epilogue: epilogue, curve: curve)
            }
            oy += rowStep
        }
    }

    /// One register tile: `S.rows` output channels (the first `valid` stored) times `S.vectors`
    /// vectors of 16 outputs, over every (channel, ky, kx) tap. Tap t reads vector v at
    /// `line + offsets[t] + v · vectorBytes`; vector v (the first `vectorCount`) is stored at
    /// `output + v · outputVectorStride`, its first `columns - v · columnsPerVector` lanes (≤ 16).
    @inlinable @inline(__always)
    static func registerTile<S: TileShape>(
        _: S.Type, taps: Int, offsets: UnsafePointer<Int>, line: UnsafeRawPointer, vectorBytes: Int,
        weights: UnsafePointer<Float>, stride: Int, bias: UnsafePointer<Float>, valid: Int,
        output: UnsafeMutablePointer<Float>, plane: Int, columns: Int, vectorCount: Int, outputVectorStride: Int, columnsPerVector: Int,
        epilogue: LinearEpilogue, curve: CurveFunction
    ) {
        let rows = S.rows, vectors = S.vectors
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { acc in
            for r in 0..<rows {
                for v in 0..<vectors { acc[r * vectors + v] = SIMD16<Float>(repeating: r < valid ? bias[r] : 0) }
            }
            var wp = weights
            for t in 0..<taps {
                let p = line + offsets[t]
                for v in 0..<vectors {
                    let x = p.loadUnaligned(fromByteOffset: vectorBytes * v, as: SIMD16<Float>.self)
                    for r in 0..<rows {
                        acc[r * vectors + v] = acc[r * vectors + v].addingProduct(SIMD16(repeating: wp[r]), x)
                    }
                }
                wp += stride
            }
            for r in 0..<rows where r < valid {
                let out = output + r * plane
                for v in 0..<vectors where v < vectorCount {
                    let lanes = Swift.min(16, columns - columnsPerVector * v)
                    if lanes <= 0 { break }
                    let y = curve.apply(epilogue.apply(acc[r * vectors + v]))
                    let destination = out + outputVectorStride * v
                    if lanes == 16 {
                        UnsafeMutableRawPointer(destination).storeBytes(of: y, as: SIMD16<Float>.self)
                    } else {
                        for lane in 0..<lanes { destination[lane] = y[lane] }
                    }
                }
            }
        }
    }

    /// The reference: every output of `rows` summed over its taps in Double, on unpacked weights
    /// [M, C, kH, kW], input [C, H, W] (scaled per channel by `inputScale`), padding read as 0,
    /// then the epilogue and the curve; the outputs of `rows` in [M][rows][OW] order.
    public static func reference(
        input: [Float], channels c: Int, height h: Int, width w: Int, inputScale: [Float]?,
        weights: [Float], outputChannels m: Int, outputWidth ow: Int, bias: [Float], kernelHeight kh: Int, kernelWidth kw: Int,
        padTop: Int, padLeft: Int, rows: Range<Int>, epilogue: LinearEpilogue, curve: CurveFunction
    ) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(m * rows.count * ow)
        for co in 0..<m {
            for oy in rows {
                for ox in 0..<ow {
                    var sum = Double(bias[co])
                    for ci in 0..<c {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy + ky - padTop, ix = ox + kx - padLeft
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum += Double(input[(ci * h + iy) * w + ix]) * Double(inputScale?[ci] ?? 1)
                                    * Double(weights[((co * c + ci) * kh + ky) * kw + kx])
                            }
                        }
                    }
                    let y = epilogue.apply(Float(sum))
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

// MARK: - DirectConvolutionArguments

/// One call of ``DirectConvolution/run(_:tile:)``: input [C, H, W], output [M, OH, OW],
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
