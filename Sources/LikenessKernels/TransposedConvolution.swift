// MARK: - TransposedConvolution

/// A transposed convolution with kernel 4, stride 2, padding 1 (the DCGAN up-sampling block,
/// output 2H x 2W) computed directly from the input: no cols matrix, no col2im pass.
///
/// Output row oy = 2r + p takes two kernel rows: p = 0 → (ky 1, input row r), (ky 3, row r − 1);
/// p = 1 → (ky 0, row r + 1), (ky 2, row r). Along a row, 16 input columns m0 ..< m0 + 16 give 16
/// even outputs 2m (kx 1 on x[m], kx 3 on x[m − 1]) and 16 odd outputs 2m + 1 (kx 0 on x[m + 1],
/// kx 2 on x[m]): three shifted loads of a zero-padded input line feed 4 FMAs per output channel.
/// `S.rows` output channels stay in registers (2 · rows accumulators) over all input channels; the
/// even and odd sums get the bias and epilogue and are interleaved into 32 consecutive outputs.
///
/// The input rows a thread's band of output rows needs are first copied into zero-padded lines in
/// scratch, multiplied by an optional per-channel scale (a channel gate fused from the graph).
public enum TransposedConvolution {
    /// Output channels are padded to a multiple of this in the packed weights.
    public static let channelAlignment = 8

    /// Floats of the packed weights for `c` input and `m` output channels.
    public static func packedCount(inputChannels c: Int, outputChannels m: Int) -> Int {
        c * 4 * paddedChannels(m) * 4
    }

    @inlinable static func paddedChannels(_ m: Int) -> Int { (m + channelAlignment - 1) / channelAlignment * channelAlignment }

    /// Packs ONNX ConvTranspose weights [C, M, 4, 4] as [C][ky][M padded][kx], so the four kx taps
    /// of consecutive output channels are adjacent for one (input channel, ky).
    public static func pack(_ weights: [Float], inputChannels c: Int, outputChannels m: Int) -> [Float] {
        precondition(weights.count == c * m * 16, "pack: \(weights.count) weights for \(c)x\(m)x4x4")
        let mp = paddedChannels(m)
        var packed = [Float](repeating: 0, count: packedCount(inputChannels: c, outputChannels: m))
        for ci in 0..<c {
            for co in 0..<m {
                for ky in 0..<4 {
                    for kx in 0..<4 { packed[((ci * 4 + ky) * mp + co) * 4 + kx] = weights[((ci * m + co) * 4 + ky) * 4 + kx] }
                }
            }
        }
        return packed
    }

    /// Floats of one padded input line: x[ix] at index ix + 1, zeros around, room for the last
    /// block's loads at offsets up to 2 + 15 past its start; whole cache lines, so every line
    /// starts aligned (scratch is).
    @inlinable public static func lineLength(width: Int) -> Int { ((width + 15) / 16 * 16 + 18 + 15) / 16 * 16 }

    /// Input rows a band of `rows` output rows reads (rows / 2 + 2, plus one for an odd start).
    public static func bandRows(outputRows rows: Int) -> Int { rows / 2 + 3 }

    /// Floats of scratch for a band of at most `rows` output rows.
    public static func scratchCount(inputChannels c: Int, width: Int, outputRows rows: Int) -> Int {
        c * bandRows(outputRows: rows) * lineLength(width: width)
    }

    /// Computes output rows `args.rows` of every output channel of one image, `S.rows` output
    /// channels at a time.
    @inlinable @inline(__always)
    public static func k4s2p1<S: TileShape>(_ args: TransposedConvolutionArguments, tile: S.Type) {
        let c = args.channels, h = args.height, w = args.width, m = args.outputChannels
        let ow = 2 * w, outPlane = 4 * h * w
        let mp = paddedChannels(m)
        guard !args.rows.isEmpty else { return }
        let length = lineLength(width: w)
        // Band line t holds input row firstRow + t of every channel: [C][bandCount][length].
        let firstRow = (args.rows.lowerBound >> 1) - 1
        let bandCount = ((args.rows.upperBound - 1) >> 1) + 1 - firstRow + 1
        let lines = args.scratch
        for ci in 0..<c {
            let scale = args.inputScale?[ci] ?? 1
            for t in 0..<bandCount {
                let line = lines + (ci * bandCount + t) * length
                let iy = firstRow + t
                line[0] = 0
                if iy < 0 || iy >= h {
                    (line + 1).update(repeating: 0, count: w)
                } else if args.inputScale == nil {
                    (line + 1).update(from: args.input + (ci * h + iy) * w, count: w)
                } else {
                    let source = args.input + (ci * h + iy) * w
                    for x in 0..<w { line[1 + x] = source[x] * scale }
                }
                (line + 1 + w).update(repeating: 0, count: length - 1 - w)
            }
        }
        let rows = S.rows, block = 16 * S.vectors
        let channelLineBytes = bandCount * length * 4, weightChannelStride = 16 * mp
        let channelBlocks = (m + rows - 1) / rows, columnBlocks = (w + block - 1) / block
        for oy in args.rows {
            let r = oy >> 1
            // The two (ky, input row) taps of this output row.
            let (kyA, iyA, kyB, iyB) = oy & 1 == 0 ? (1, r, 3, r - 1) : (0, r + 1, 2, r)
            let lineA = UnsafeRawPointer(lines + (iyA - firstRow) * length)
            let lineB = UnsafeRawPointer(lines + (iyB - firstRow) * length)
            for blockIndex in 0..<(channelBlocks * columnBlocks) {
                let c0 = blockIndex / columnBlocks * rows, m0 = blockIndex % columnBlocks * block
                registerTile(
                    S.self, channels: c, lineA: lineA + m0 * 4, lineB: lineB + m0 * 4, channelBytes: channelLineBytes,
                    weightsA: args.weights + (kyA * mp + c0) * 4, weightsB: args.weights + (kyB * mp + c0) * 4,
                    weightStride: weightChannelStride, bias: args.bias + c0, valid: Swift.min(rows, m - c0),
                    output: args.output + c0 * outPlane + oy * ow + 2 * m0, plane: outPlane, outputs: Swift.min(2 * block, ow - 2 * m0),
                    epilogue: args.epilogue)
            }
        }
    }

    /// One register tile: `S.rows` output channels (the first `valid` stored) of one output row,
    /// from `16 · S.vectors` input columns (the first `outputs` of their 32 · S.vectors outputs
    /// stored), over every input channel's two taps: line A with weights A, line B with weights B.
    @inlinable @inline(__always)
    static func registerTile<S: TileShape>(
        _: S.Type, channels: Int, lineA: UnsafeRawPointer, lineB: UnsafeRawPointer, channelBytes: Int,
        weightsA: UnsafePointer<Float>, weightsB: UnsafePointer<Float>, weightStride: Int,
        bias: UnsafePointer<Float>, valid: Int, output: UnsafeMutablePointer<Float>, plane: Int, outputs: Int, epilogue: LinearEpilogue
    ) {
        let rows = S.rows, vectors = S.vectors
        // Accumulator (i, v) even at 2 · (i · vectors + v), odd right after.
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { acc in
            for i in 0..<(2 * rows * vectors) { acc[i] = SIMD16<Float>() }
            var a = lineA, b = lineB, wa = weightsA, wb = weightsB
            @inline(__always) func taps(_ line: UnsafeRawPointer, _ wp: UnsafePointer<Float>) {
                for v in 0..<vectors {
                    // Even outputs: kx 1 on x[m], kx 3 on x[m - 1]; odd: kx 0 on x[m + 1], kx 2 on x[m].
                    let xm = line.loadUnaligned(fromByteOffset: 64 * v, as: SIMD16<Float>.self)
                    let x0 = line.loadUnaligned(fromByteOffset: 64 * v + 4, as: SIMD16<Float>.self)
                    let xp = line.loadUnaligned(fromByteOffset: 64 * v + 8, as: SIMD16<Float>.self)
                    for i in 0..<rows {
                        let e = 2 * (i * vectors + v)
                        acc[e] = acc[e].addingProduct(SIMD16(repeating: wp[4 * i + 1]), x0)
                        acc[e + 1] = acc[e + 1].addingProduct(SIMD16(repeating: wp[4 * i]), xp)
                        acc[e] = acc[e].addingProduct(SIMD16(repeating: wp[4 * i + 3]), xm)
                        acc[e + 1] = acc[e + 1].addingProduct(SIMD16(repeating: wp[4 * i + 2]), x0)
                    }
                }
            }
            for _ in 0..<channels {
                taps(a, wa)
                taps(b, wb)
                a += channelBytes
                b += channelBytes
                wa += weightStride
                wb += weightStride
            }
            for i in 0..<rows where i < valid {
                let shift = SIMD16<Float>(repeating: bias[i])
                for v in 0..<vectors {
                    let count = Swift.min(32, outputs - 32 * v)
                    if count <= 0 { break }
                    let e = 2 * (i * vectors + v)
                    var y = SIMD32<Float>()
                    y.evenHalf = epilogue.apply(acc[e] + shift)
                    y.oddHalf = epilogue.apply(acc[e + 1] + shift)
                    let out = output + i * plane + 32 * v
                    if count == 32 {
                        UnsafeMutableRawPointer(out).storeBytes(of: y, as: SIMD32<Float>.self)
                    } else {
                        for lane in 0..<count { out[lane] = y[lane] }
                    }
                }
            }
        }
    }

    /// The reference: a scatter over every input pixel and tap, in Double, on unpacked weights
    /// [C, M, 4, 4]; output [M, 2h, 2w] of one image.
    public static func reference(
        input: [Float], channels c: Int, height h: Int, width w: Int, inputScale: [Float]?,
        weights: [Float], outputChannels m: Int, bias: [Float], epilogue: LinearEpilogue
    ) -> [Float] {
        let oh = 2 * h, ow = 2 * w
        var sums = [Double](repeating: 0, count: m * oh * ow)
        for ci in 0..<c {
            for iy in 0..<h {
                for ix in 0..<w {
                    let x = Double(input[(ci * h + iy) * w + ix]) * Double(inputScale?[ci] ?? 1)
                    for co in 0..<m {
                        for ky in 0..<4 {
                            let oy = 2 * iy - 1 + ky
                            if oy < 0 || oy >= oh { continue }
                            for kx in 0..<4 {
                                let ox = 2 * ix - 1 + kx
                                if ox < 0 || ox >= ow { continue }
                                sums[(co * oh + oy) * ow + ox] += x * Double(weights[((ci * m + co) * 4 + ky) * 4 + kx])
                            }
                        }
                    }
                }
            }
        }
        return sums.enumerated().map { i, s in epilogue.apply(Float(s) + bias[i / (oh * ow)]) }
    }
}

// MARK: - TransposedConvolutionArguments

/// One call of ``TransposedConvolution/k4s2p1(_:tile:)``: input [C, H, W] of one image, output
/// [M, 2H, 2W], weights packed by ``TransposedConvolution/pack(_:inputChannels:outputChannels:)``,
/// bias [M], the output rows to compute, and scratch of
/// ``TransposedConvolution/scratchCount(inputChannels:width:outputRows:)`` floats. `inputScale`,
/// when given, multiplies input channel c by `inputScale[c]` first.
public struct TransposedConvolutionArguments {
    public var input: UnsafePointer<Float>
    public var channels: Int, height: Int, width: Int
    public var inputScale: UnsafePointer<Float>?
    public var output: UnsafeMutablePointer<Float>
    public var outputChannels: Int
    public var weights: UnsafePointer<Float>
    public var bias: UnsafePointer<Float>
    public var rows: Range<Int>
    public var epilogue: LinearEpilogue
    public var scratch: UnsafeMutablePointer<Float>

    public init(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, inputScale: UnsafePointer<Float>?,
                output: UnsafeMutablePointer<Float>, outputChannels: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                rows: Range<Int>, epilogue: LinearEpilogue, scratch: UnsafeMutablePointer<Float>) {
        self.input = input
        self.channels = channels
        self.height = height
        self.width = width
        self.inputScale = inputScale
        self.output = output
        self.outputChannels = outputChannels
        self.weights = weights
        self.bias = bias
        self.rows = rows
        self.epilogue = epilogue
        self.scratch = scratch
    }
}
