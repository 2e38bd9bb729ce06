// MARK: - Im2col

/// Unfolds input patches for a block of output columns into a [K, columnCount] matrix, K =
/// channels · kH · kW in (channel, ky, kx) order; padding reads as 0.
///
/// The block's columns are cut into segments that stay in one output row; for each segment and
/// tap (ky, kx) the borders are worked out once, then every channel's row gets one shifted run of
/// its input row (stride 1) with zeros at the borders, copied inline (the runs are a few to a few hundred floats, where a memmove call costs
/// more than the copy). `@inlinable` so each ISA module compiles it with its own vectors.
public enum Im2col {
    @inlinable @inline(__always)
    public static func run(_ a: Im2colArguments) {
        let ow = a.outputWidth, h = a.height, w = a.width, count = a.columnCount
        let end = a.columnStart + count
        var j = a.columnStart
        while j < end {
            // One segment: output row oy, columns ox0 ..< ox1, at column `at` of the block.
            let oy = j / ow, ox0 = j % ow
            let ox1 = Swift.min(ow, ox0 + (end - j))
            let at = j - a.columnStart
            let taps = a.kernelHeight * a.kernelWidth
            let plane = h * w
            // Everything but the channel is the same for every channel: work it out once per tap.
            for ky in 0..<a.kernelHeight {
                let iy = oy * a.strideY - a.padTop + ky * a.dilationY
                let inside = iy >= 0 && iy < h
                for kx in 0..<a.kernelWidth {
                    let first = a.output + (ky * a.kernelWidth + kx) * count + at
                    let rowStride = taps * count
                    if !inside {
                        for c in 0..<a.channels {
                            let d = first + c * rowStride
                            for i in 0..<(ox1 - ox0) { d[i] = 0 }
                        }
                        continue
                    }
                    let offset = kx * a.dilationX - a.padLeft
                    if a.strideX == 1 {
                        // ix = ox + offset; valid for ox in [max(ox0, -offset), min(ox1, w - offset)).
                        let lo = Swift.min(Swift.max(ox0, -offset), ox1), hi = Swift.max(Swift.min(ox1, w - offset), lo)
                        let source = a.input + iy * w + lo + offset
                        for c in 0..<a.channels {
                            let d = first + c * rowStride
                            for i in 0..<(lo - ox0) { d[i] = 0 }
                            copy(d + (lo - ox0), source + c * plane, count: hi - lo)
                            for i in (hi - ox0)..<(ox1 - ox0) { d[i] = 0 }
                        }
                    } else {
                        for c in 0..<a.channels {
                            let d = first + c * rowStride, source = a.input + c * plane + iy * w
                            for ox in ox0..<ox1 {
                                let ix = ox * a.strideX + offset
                                d[ox - ox0] = ix >= 0 && ix < w ? source[ix] : 0
                            }
                        }
                    }
                }
            }
            j += ox1 - ox0
        }
    }

    /// Copies a short run of floats inline: 16, then 4, then 1 at a time.
    @inlinable @inline(__always)
    static func copy(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
        let d = UnsafeMutableRawPointer(destination), s = UnsafeRawPointer(source)
        var i = 0
        while i + 16 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i + 4 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self), toByteOffset: i * 4, as: SIMD4<Float>.self)
            i += 4
        }
        while i < count { destination[i] = source[i]; i += 1 }
    }
}

// MARK: - Im2colArguments

/// One call of ``Im2col/run(_:)``: `input` is one group of one image [channels, height, width];
/// `output` receives [channels · kH · kW, columnCount] for output columns (oy · outputWidth + ox)
/// `columnStart ..< columnStart + columnCount`.
public struct Im2colArguments {
    public var input: UnsafePointer<Float>
    public var channels: Int, height: Int, width: Int, outputWidth: Int
    public var kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int
    public var padTop: Int, padLeft: Int, dilationY: Int, dilationX: Int
    public var columnStart: Int, columnCount: Int
    public var output: UnsafeMutablePointer<Float>

    public init(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, outputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int, padTop: Int, padLeft: Int,
                dilationY: Int, dilationX: Int, columnStart: Int, columnCount: Int, output: UnsafeMutablePointer<Float>) {
        self.input = input
        self.channels = channels
        self.height = height
        self.width = width
        self.outputWidth = outputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padTop = padTop
        self.padLeft = padLeft
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.columnStart = columnStart
        self.columnCount = columnCount
        self.output = output
    }
}
