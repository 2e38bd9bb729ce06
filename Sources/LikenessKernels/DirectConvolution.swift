// MARK: - DirectConvolution

/// Convolution with stride 1 and at most 4 output channels (the final RGB layer), without im2col.
///
/// The input rows a thread's band of output rows needs are copied once per input channel into
/// zero-padded lines ([C][band rows][lineLength] in scratch). Then every 32 output columns keep all
/// output channels' sums in registers (8 accumulators) while the (channel, ky, kx) taps stream:
/// two unaligned loads of the line and one FMA per output channel per tap. Weights are packed at
/// load as [C][kH][kW][4], so the 4 weights of a tap are adjacent (zero past the real channels).
public enum DirectConvolution {
    /// The largest number of output channels.
    public static let maximumOutputChannels = 4

    /// Packs weights [M, C, kH, kW] as [C][kH][kW][4].
    public static func pack(_ weights: [Float], outputChannels m: Int, inputChannels c: Int, kernelHeight kh: Int, kernelWidth kw: Int) -> [Float] {
        precondition(m <= maximumOutputChannels && weights.count == m * c * kh * kw)
        var packed = [Float](repeating: 0, count: c * kh * kw * 4)
        for co in 0..<m {
            for tap in 0..<(c * kh * kw) { packed[tap * 4 + co] = weights[co * c * kh * kw + tap] }
        }
        return packed
    }

    /// Floats of one zero-padded line: the output row rounded up to 32, plus the kernel's reach.
    public static func lineLength(outputWidth: Int, kernelWidth: Int) -> Int {
        (outputWidth + 31) / 32 * 32 + kernelWidth + 15
    }

    /// Floats of scratch per thread, for bands of at most `rows` output rows.
    public static func scratchCount(inputChannels c: Int, kernelHeight kh: Int, outputWidth: Int, kernelWidth: Int, rows: Int) -> Int {
        c * (rows + kh - 1) * lineLength(outputWidth: outputWidth, kernelWidth: kernelWidth)
    }

    /// Computes output rows `args.rows` of one image (see ``DirectConvolutionArguments``).
    @inlinable @inline(__always)
    public static func run(_ args: DirectConvolutionArguments) {
        let c = args.channels, h = args.height, w = args.width, m = args.outputChannels
        let oh = args.outputHeight, ow = args.outputWidth, kh = args.kernelHeight, kw = args.kernelWidth
        let padTop = args.padTop, padLeft = args.padLeft, epilogue = args.epilogue
        let input = args.input, output = args.output, weights = args.weights, bias = args.bias, scratch = args.scratch
        let length = lineLength(outputWidth: ow, kernelWidth: kw)
        // Input columns that land inside a line: line[padLeft + ix] = x[ix].
        let copyStart = Swift.max(0, -padLeft), copyEnd = Swift.min(w, length - padLeft)
        let lines = UnsafeRawPointer(scratch)
        // Band row t holds input row rows.lowerBound - padTop + t of every channel.
        let bandRows = args.rows.count + kh - 1
        for ci in 0..<c {
            for t in 0..<bandRows {
                let line = scratch + (ci * bandRows + t) * length
                let iy = args.rows.lowerBound - padTop + t
                if iy < 0 || iy >= h || copyEnd <= copyStart {
                    line.update(repeating: 0, count: length)
                    continue
                }
                let lo = padLeft + copyStart, hi = padLeft + copyEnd
                if lo > 0 { line.update(repeating: 0, count: lo) }
                (line + lo).update(from: input + (ci * h + iy) * w + copyStart, count: hi - lo)
                if hi < length { (line + hi).update(repeating: 0, count: length - hi) }
            }
        }
        for oy in args.rows {
            let band = oy - args.rows.lowerBound
            // Two blocks of 16 columns at a time: 8 independent accumulator chains hide the FMA latency.
            var x0 = 0
            while x0 < ow {
                let pair = x0 + 16 < ow
                var a0 = SIMD16<Float>(repeating: bias[0])
                var a1 = SIMD16<Float>(repeating: m > 1 ? bias[1] : 0)
                var a2 = SIMD16<Float>(repeating: m > 2 ? bias[2] : 0)
                var a3 = SIMD16<Float>(repeating: m > 3 ? bias[3] : 0)
                var b0 = a0, b1 = a1, b2 = a2, b3 = a3
                var wp = weights
                for row in 0..<(c * kh) {
                    let ci = row / kh, ky = row - ci * kh
                    let line = lines + ((ci * bandRows + band + ky) * length + x0) * 4
                    for kx in 0..<kw {
                        let w0 = SIMD16<Float>(repeating: wp[0]), w1 = SIMD16<Float>(repeating: wp[1])
                        let w2 = SIMD16<Float>(repeating: wp[2]), w3 = SIMD16<Float>(repeating: wp[3])
                        let v = line.loadUnaligned(fromByteOffset: kx * 4, as: SIMD16<Float>.self)
                        a0 = a0.addingProduct(w0, v)
                        a1 = a1.addingProduct(w1, v)
                        a2 = a2.addingProduct(w2, v)
                        a3 = a3.addingProduct(w3, v)
                        if pair {
                            let u = line.loadUnaligned(fromByteOffset: (kx + 16) * 4, as: SIMD16<Float>.self)
                            b0 = b0.addingProduct(w0, u)
                            b1 = b1.addingProduct(w1, u)
                            b2 = b2.addingProduct(w2, u)
                            b3 = b3.addingProduct(w3, u)
                        }
                        wp += 4
                    }
                }
                @inline(__always) func store(_ sum: SIMD16<Float>, _ co: Int, _ start: Int) {
                    let count = Swift.min(16, ow - start)
                    let y = epilogue.apply(sum)
                    let out = output + (co * oh + oy) * ow + start
                    if count == 16 {
                        UnsafeMutableRawPointer(out).storeBytes(of: y, as: SIMD16<Float>.self)
                    } else {
                        for lane in 0..<count { out[lane] = y[lane] }
                    }
                }
                store(a0, 0, x0)
                if m > 1 { store(a1, 1, x0) }
                if m > 2 { store(a2, 2, x0) }
                if m > 3 { store(a3, 3, x0) }
                if pair {
                    store(b0, 0, x0 + 16)
                    if m > 1 { store(b1, 1, x0 + 16) }
                    if m > 2 { store(b2, 2, x0 + 16) }
                    if m > 3 { store(b3, 3, x0 + 16) }
                }
                x0 += pair ? 32 : 16
            }
        }
    }
}

// MARK: - DirectConvolutionArguments

/// One call of ``DirectConvolution/run(_:)``: input [C, H, W], output [M, OH, OW] (M ≤ 4), weights
/// packed by ``DirectConvolution/pack(_:outputChannels:inputChannels:kernelHeight:kernelWidth:)``,
/// bias [M]; padding reads as 0; the epilogue is applied before the store. `scratch` holds
/// ``DirectConvolution/scratchCount(inputChannels:kernelHeight:outputWidth:kernelWidth:)`` floats.
public struct DirectConvolutionArguments {
    public var input: UnsafePointer<Float>
    public var channels: Int, height: Int, width: Int
    public var output: UnsafeMutablePointer<Float>
    public var outputChannels: Int, outputHeight: Int, outputWidth: Int
    public var weights: UnsafePointer<Float>
    public var bias: UnsafePointer<Float>
    public var kernelHeight: Int, kernelWidth: Int, padTop: Int, padLeft: Int
    public var rows: Range<Int>
    public var epilogue: LinearEpilogue
    public var scratch: UnsafeMutablePointer<Float>

    public init(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                output: UnsafeMutablePointer<Float>, outputChannels: Int, outputHeight: Int, outputWidth: Int,
                weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernelHeight: Int, kernelWidth: Int,
                padTop: Int, padLeft: Int, rows: Range<Int>, epilogue: LinearEpilogue, scratch: UnsafeMutablePointer<Float>) {
        self.input = input
        self.channels = channels
        self.height = height
        self.width = width
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
        self.scratch = scratch
    }
}
