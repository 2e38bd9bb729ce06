import Foundation

// MARK: - Fit

/// How a picture is placed on a canvas of another aspect ratio.
public enum Fit: String, Sendable, CaseIterable {
    /// The whole picture, centred, with the background colour around it (letterbox / pillarbox).
    case contain
    /// The canvas is filled; the picture is centred and its overflowing edges are cut.
    case cover
    /// The picture is stretched to the canvas, ignoring its aspect ratio.
    case stretch
}

// MARK: - LanczosResampler

/// Lanczos-3 resampling of planar float images `[3, H, W]` from one fixed size to another, allocation-free per frame.
///
/// Separable: a horizontal pass into a float buffer `[3, sourceHeight, destinationRect.width]`, then a vertical pass
/// into the target planes. The horizontal pass takes 16 rows at a time: it transposes them into a column-major block
/// (16 floats per source column), so each output column's taps are 16-lane loads and multiply-adds, then transposes the
/// block's outputs back (the same sums in the same order as one row at a time, so the same floats; 1024 → 1080 went
/// from about 16 to 10–12 ms a frame in `likeness bench --chain`: the scalar transposes are most of what is left). The kernel is `sinc(x) * sinc(x / 3)` for `|x| < 3` (Duchon 1979; Turkowski 1990),
/// widened by the scale factor when shrinking so it also low-pass filters. Taps are precomputed once per axis
/// (start index and normalised weights; edges clamp). Works on the model's floats (`[-1, 1]`), so a frame is
/// quantised to bytes only once, after resampling (`RGB8Conversion`); values may overshoot `[-1, 1]` slightly
/// (Lanczos rings) and are clamped by that conversion. Not thread-safe: one resampler per thread.
public final class LanczosResampler {
    /// Source size the resampler was built for.
    public let sourceWidth: Int, sourceHeight: Int
    /// Canvas size it writes.
    public let targetWidth: Int, targetHeight: Int
    /// Where the picture lands on the canvas (the rest is `background`).
    public let destinationRect: (x: Int, y: Int, width: Int, height: Int)
    /// Canvas colour outside `destinationRect`.
    public let background: RGBColor
    /// `background` as model floats, one per plane.
    private let backgroundPlanes: [Float]

    private let horizontal: Taps
    private let vertical: Taps
    /// Intermediate `[3, sourceHeight, destinationRect.width]` floats, reused for every frame.
    private var scratch: [Float]
    /// For each horizontal tap, the (edge-clamped) source column.
    private let horizontalOffsets: [Int]
    /// For each vertical tap, the float offset of its (edge-clamped) row in one intermediate plane.
    private let verticalOffsets: [Int]
    /// The horizontal pass's 16-row blocks: the source rows transposed (`[sourceWidth][16]`), and the outputs
    /// before they are transposed back (`[destinationRect.width][16]`).
    private var sourceBlock: [Float]
    private var outputBlock: [Float]
    /// Rows the horizontal pass takes at once (16); 1 runs it one row at a time (the tests compare the two).
    var blockRows = 16

    /// Precomputed filter taps for one axis.
    struct Taps {
        /// Taps per output sample.
        let count: Int
        /// First source index for each output sample.
        let start: [Int]
        /// `[outputs, count]` weights, each row summing to 1.
        let weights: [Float]

        /// Taps mapping the source window `[offset, offset + length)` (source pixel units) onto `outputs` samples.
        init(offset: Double, length: Double, outputs: Int) {
            let scale = length / Double(outputs)                // source samples per output sample
            let filterScale = max(1.0, scale)
            let support = 3.0 * filterScale
            let count = Int((support * 2).rounded(.up)) + 1
            var start = [Int](repeating: 0, count: outputs)
            var weights = [Float](repeating: 0, count: outputs * count)
            for o in 0..<outputs {
                let center = offset + (Double(o) + 0.5) * scale   // in source pixel-edge coordinates
                let first = Int((center - support).rounded(.down))
                var row = [Double](repeating: 0, count: count)
                var sum = 0.0
                for k in 0..<count {
                    let x = (Double(first + k) + 0.5 - center) / filterScale
                    let w = Taps.lanczos3(x)
                    row[k] = w
                    sum += w
                }
                start[o] = first
                for k in 0..<count {
                    weights[o * count + k] = Float(sum != 0 ? row[k] / sum : 0)
                }
            }
            // `first` may lie outside the source: the filter clamps indices to the edge sample.
            self.count = count
            self.start = start
            self.weights = weights
        }

        /// `sinc(x) * sinc(x/3)` on `|x| < 3`, else 0.
        static func lanczos3(_ x: Double) -> Double {
            let ax = abs(x)
            if ax < 1e-9 { return 1 }
            if ax >= 3 { return 0 }
            let px = Double.pi * x
            return 3 * sin(px) * sin(px / 3) / (px * px)
        }
    }

    /// Builds the taps for one source size, canvas size, fit and background.
    ///
    /// - Precondition: all sizes are positive.
    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int,
                fit: Fit = .contain, background: RGBColor = .black) {
        precondition(sourceWidth > 0 && sourceHeight > 0 && targetWidth > 0 && targetHeight > 0, "sizes must be positive")
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.targetWidth = targetWidth
        self.targetHeight = targetHeight
        self.background = background
        backgroundPlanes = [background.red, background.green, background.blue].map(RGB8Conversion.unit)

        // Source window (in source pixels) and destination rectangle (in canvas pixels).
        var srcX = 0.0, srcY = 0.0, srcW = Double(sourceWidth), srcH = Double(sourceHeight)
        var dst = (x: 0, y: 0, width: targetWidth, height: targetHeight)
        let sourceAspect = Double(sourceWidth) / Double(sourceHeight)
        let targetAspect = Double(targetWidth) / Double(targetHeight)
        switch fit {
        case .stretch:
            break
        case .contain:
            if targetAspect > sourceAspect {
                let w = max(1, Int((Double(targetHeight) * sourceAspect).rounded()))
                dst = ((targetWidth - w) / 2, 0, w, targetHeight)
            } else if targetAspect < sourceAspect {
                let h = max(1, Int((Double(targetWidth) / sourceAspect).rounded()))
                dst = (0, (targetHeight - h) / 2, targetWidth, h)
            }
        case .cover:
            if targetAspect > sourceAspect {
                srcH = Double(sourceWidth) / targetAspect
                srcY = (Double(sourceHeight) - srcH) / 2
            } else if targetAspect < sourceAspect {
                srcW = Double(sourceHeight) * targetAspect
                srcX = (Double(sourceWidth) - srcW) / 2
            }
        }
        destinationRect = dst
        horizontal = Taps(offset: srcX, length: srcW, outputs: dst.width)
        vertical = Taps(offset: srcY, length: srcH, outputs: dst.height)
        scratch = [Float](repeating: 0, count: 3 * sourceHeight * dst.width)
        sourceBlock = [Float](repeating: 0, count: 16 * sourceWidth)
        outputBlock = [Float](repeating: 0, count: 16 * dst.width)
        let h = horizontal, v = vertical
        horizontalOffsets = (0..<(dst.width * h.count)).map { j in
            min(max(h.start[j / h.count] + j % h.count, 0), sourceWidth - 1)
        }
        verticalOffsets = (0..<(dst.height * v.count)).map { j in
            min(max(v.start[j / v.count] + j % v.count, 0), sourceHeight - 1) * dst.width
        }
    }

    /// The shapes it reads and writes.
    public var sourceShape: PlaneShape { PlaneShape(channels: 3, width: sourceWidth, height: sourceHeight) }
    public var targetShape: PlaneShape { PlaneShape(channels: 3, width: targetWidth, height: targetHeight) }

    /// Resamples `source` into `target`, reusing `target`'s storage.
    ///
    /// - Precondition: `source` is `[3, sourceHeight, sourceWidth]`, `target` is `[3, targetHeight, targetWidth]`.
    public func resample(_ source: PlanarImage, into target: inout PlanarImage) {
        precondition(source.shape == sourceShape, "source is \(source.shape), resampler expects \(sourceShape)")
        precondition(target.shape == targetShape, "target is \(target.shape), resampler expects \(targetShape)")
        source.withUnsafeBufferPointer { src in
            target.withUnsafeMutableBufferPointer { dst in
                resample(unsafeSource: src, into: dst)
            }
        }
    }

    /// Resamples raw planes (`3 * sourceHeight * sourceWidth` floats) into raw canvas planes.
    public func resample(unsafeSource src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableBufferPointer<Float>) {
        precondition(src.count == sourceShape.count, "source buffer has \(src.count) floats, expected \(sourceShape.count)")
        precondition(dst.count == targetShape.count, "target buffer has \(dst.count) floats, expected \(targetShape.count)")
        guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
        let rect = destinationRect
        fillBackground(dstBase, rect: rect)
        let sh = sourceHeight, sw = sourceWidth
        let rw = rect.width
        scratch.withUnsafeMutableBufferPointer { mid in
            guard let midBase = mid.baseAddress else { return }
            // Horizontal pass, per plane: source [3, sh, sw] -> mid [3, sh, rw]. Tap columns are precomputed and clamped.
            horizontal.weights.withUnsafeBufferPointer { hw in
                horizontalOffsets.withUnsafeBufferPointer { offsets in
                    sourceBlock.withUnsafeMutableBufferPointer { block in
                        outputBlock.withUnsafeMutableBufferPointer { out in
                            let taps = horizontal.count, rows = 3 * sh
                            var row = 0
                            if blockRows == 16, let t = block.baseAddress, let u = out.baseAddress {
                                while row + 16 <= rows {
                                    Self.horizontalBlock(source: srcBase + row * sw, sourceWidth: sw, into: midBase + row * rw, width: rw,
                                                         taps: taps, weights: hw, offsets: offsets, block: t, outputs: u)
                                    row += 16
                                }
                            }
                            while row < rows {
                                let srcRow = srcBase + row * sw
                                let midRow = midBase + row * rw
                                for x in 0..<rw {
                                    var acc: Float = 0
                                    let base = x * taps
                                    for k in 0..<taps {
                                        acc += hw[base + k] * srcRow[offsets[base + k]]
                                    }
                                    midRow[x] = acc
                                }
                                row += 1
                            }
                        }
                    }
                }
            }
            // Vertical pass, per plane: mid [3, sh, rw] -> the destination rows, eight samples at a time.
            vertical.weights.withUnsafeBufferPointer { vw in
                verticalOffsets.withUnsafeBufferPointer { offsets in
                    let taps = vertical.count
                    for c in 0..<3 {
                        let midPlane = midBase + c * sh * rw
                        let dstPlane = dstBase + c * targetWidth * targetHeight
                        for y in 0..<rect.height {
                            let base = y * taps
                            let dstRow = dstPlane + (rect.y + y) * targetWidth + rect.x
                            var i = 0
                            while i + 8 <= rw {
                                var acc = SIMD8<Float>(repeating: 0)
                                for k in 0..<taps {
                                    let row = UnsafeRawPointer(midPlane + offsets[base + k] + i)
                                    acc += vw[base + k] * row.loadUnaligned(as: SIMD8<Float>.self)
                                }
                                UnsafeMutableRawPointer(dstRow + i).storeBytes(of: acc, as: SIMD8<Float>.self)
                                i += 8
                            }
                            while i < rw {
                                var acc: Float = 0
                                for k in 0..<taps {
                                    acc += vw[base + k] * midPlane[offsets[base + k] + i]
                                }
                                dstRow[i] = acc
                                i += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The horizontal pass of 16 source rows (`sourceWidth` apart) into 16 intermediate rows (`width` apart): the
    /// rows transposed into `block` (`[sourceWidth][16]`), each output column's taps summed 16 rows at once into
    /// `outputs` (`[width][16]`), then transposed back. Per output, the sum runs over the taps in order, as the
    /// row-at-a-time loop does.
    @inline(__always)
    static func horizontalBlock(source: UnsafePointer<Float>, sourceWidth sw: Int, into mid: UnsafeMutablePointer<Float>, width rw: Int,
                                taps: Int, weights: UnsafeBufferPointer<Float>, offsets: UnsafeBufferPointer<Int>,
                                block: UnsafeMutablePointer<Float>, outputs: UnsafeMutablePointer<Float>) {
        // Column by column: one cache line written at a time, the 16 rows read as 16 sequential streams.
        for x in 0..<sw {
            let column = block + x * 16
            for r in 0..<16 { column[r] = source[r * sw + x] }
        }
        let columns = UnsafeRawPointer(block), results = UnsafeMutableRawPointer(outputs)
        for x in 0..<rw {
            let base = x * taps
            var acc = SIMD16<Float>(repeating: 0)
            for k in 0..<taps {
                acc += weights[base + k] * columns.loadUnaligned(fromByteOffset: offsets[base + k] * 64, as: SIMD16<Float>.self)
            }
            results.storeBytes(of: acc, toByteOffset: x * 64, as: SIMD16<Float>.self)
        }
        for x in 0..<rw {
            let column = outputs + x * 16
            for r in 0..<16 { mid[r * rw + x] = column[r] }
        }
    }

    // MARK: RGB8 convenience (tests, tools): one conversion in, one rounding out

    /// Resamples an RGB8 frame through float planes into a new canvas-sized frame (allocates).
    public func resample(_ source: Frame) -> Frame {
        var target = Frame(width: targetWidth, height: targetHeight, color: background)
        resample(source, into: &target)
        return target
    }

    /// Resamples an RGB8 frame through float planes into `target` (allocates the planes).
    public func resample(_ source: Frame, into target: inout Frame) {
        precondition(source.width == sourceWidth && source.height == sourceHeight, "source is \(source.width)x\(source.height), resampler expects \(sourceWidth)x\(sourceHeight)")
        var planes = PlanarImage(channels: 3, width: targetWidth, height: targetHeight)
        resample(PlanarImage(frame: source), into: &planes)
        planes.write(into: &target)
    }

    /// Paints the canvas planes outside `rect` with the background colour.
    private func fillBackground(_ dst: UnsafeMutablePointer<Float>, rect: (x: Int, y: Int, width: Int, height: Int)) {
        if rect.x == 0 && rect.y == 0 && rect.width == targetWidth && rect.height == targetHeight { return }
        for c in 0..<3 {
            let value = backgroundPlanes[c]
            let plane = dst + c * targetWidth * targetHeight
            for y in 0..<targetHeight {
                let inside = y >= rect.y && y < rect.y + rect.height
                for x in 0..<targetWidth where !inside || x < rect.x || x >= rect.x + rect.width {
                    plane[y * targetWidth + x] = value
                }
            }
        }
    }
}
