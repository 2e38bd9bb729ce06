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

/// Lanczos-3 resampling of RGB8 frames from one fixed size to another, allocation-free per frame.
///
/// Separable: a horizontal pass into a float buffer `[sourceRows, targetRectWidth, 3]`, then a vertical pass into
/// the target. The kernel is `sinc(x) * sinc(x / 3)` for `|x| < 3` (Duchon 1979; Turkowski 1990), widened by the
/// scale factor when shrinking so it also low-pass filters. Taps are precomputed once per axis (start index and
/// normalised weights; edges clamp). Not thread-safe: one resampler per thread.
public final class LanczosResampler {
    /// Source size the resampler was built for.
    public let sourceWidth: Int, sourceHeight: Int
    /// Canvas size it writes.
    public let targetWidth: Int, targetHeight: Int
    /// Where the picture lands on the canvas (the rest is `background`).
    public let destinationRect: (x: Int, y: Int, width: Int, height: Int)
    /// Canvas colour outside `destinationRect`.
    public let background: RGBColor

    private let horizontal: Taps
    private let vertical: Taps
    /// Intermediate `[sourceHeight, destinationRect.width, 3]` floats, reused for every frame.
    private var scratch: [Float]
    /// For each horizontal tap, the byte offset of its (edge-clamped) source pixel in a row.
    private let horizontalOffsets: [Int]
    /// For each vertical tap, the float offset of its (edge-clamped) row in the intermediate buffer.
    private let verticalOffsets: [Int]

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
        scratch = [Float](repeating: 0, count: sourceHeight * dst.width * 3)
        let h = horizontal, v = vertical
        horizontalOffsets = (0..<(dst.width * h.count)).map { j in
            min(max(h.start[j / h.count] + j % h.count, 0), sourceWidth - 1) * 3
        }
        verticalOffsets = (0..<(dst.height * v.count)).map { j in
            min(max(v.start[j / v.count] + j % v.count, 0), sourceHeight - 1) * dst.width * 3
        }
    }

    /// Resamples `source` into a new canvas-sized frame (allocates the result).
    public func resample(_ source: Frame) -> Frame {
        var target = Frame(width: targetWidth, height: targetHeight, color: background)
        resample(source, into: &target)
        return target
    }

    /// Resamples `source` into `target`, reusing `target`'s storage.
    ///
    /// - Precondition: `source` is `sourceWidth x sourceHeight`, `target` is `targetWidth x targetHeight`.
    public func resample(_ source: Frame, into target: inout Frame) {
        precondition(source.width == sourceWidth && source.height == sourceHeight, "source is \(source.width)x\(source.height), resampler expects \(sourceWidth)x\(sourceHeight)")
        precondition(target.width == targetWidth && target.height == targetHeight, "target is \(target.width)x\(target.height), resampler expects \(targetWidth)x\(targetHeight)")
        source.pixels.withUnsafeBufferPointer { src in
            target.pixels.withUnsafeMutableBufferPointer { dst in
                resample(unsafeSource: src, into: dst)
            }
        }
    }

    /// Resamples raw RGB8 samples (`sourceWidth * sourceHeight * 3` bytes) into raw canvas samples.
    public func resample(unsafeSource src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) {
        precondition(src.count == sourceWidth * sourceHeight * 3, "source buffer has \(src.count) bytes")
        precondition(dst.count == targetWidth * targetHeight * 3, "target buffer has \(dst.count) bytes")
        let rect = destinationRect
        fillBackground(dst, rect: rect)
        let sh = sourceHeight
        let rw = rect.width
        let rowFloats = rw * 3
        scratch.withUnsafeMutableBufferPointer { mid in
            // Horizontal pass: source [sh, sw, 3] -> mid [sh, rw, 3]. Tap offsets are precomputed and clamped.
            horizontal.weights.withUnsafeBufferPointer { hw in
                horizontalOffsets.withUnsafeBufferPointer { offsets in
                    let taps = horizontal.count
                    let rowBytes = sourceWidth * 3
                    for y in 0..<sh {
                        let srcRow = y * rowBytes
                        let midRow = y * rowFloats
                        for x in 0..<rw {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            let base = x * taps
                            for k in 0..<taps {
                                let w = hw[base + k]
                                let p = srcRow + offsets[base + k]
                                r += w * Float(src[p])
                                g += w * Float(src[p + 1])
                                b += w * Float(src[p + 2])
                            }
                            let m = midRow + x * 3
                            mid[m] = r
                            mid[m + 1] = g
                            mid[m + 2] = b
                        }
                    }
                }
            }
            // Vertical pass: mid [sh, rw, 3] -> the destination rows, eight samples at a time.
            guard let midBase = mid.baseAddress, let dstBase = dst.baseAddress else { return }
            vertical.weights.withUnsafeBufferPointer { vw in
                verticalOffsets.withUnsafeBufferPointer { offsets in
                    let taps = vertical.count
                    for y in 0..<rect.height {
                        let base = y * taps
                        let dstRow = dstBase + ((rect.y + y) * targetWidth + rect.x) * 3
                        var i = 0
                        while i + 8 <= rowFloats {
                            var acc = SIMD8<Float>(repeating: 0)
                            for k in 0..<taps {
                                let row = UnsafeRawPointer(midBase + offsets[base + k] + i)
                                acc += vw[base + k] * row.loadUnaligned(as: SIMD8<Float>.self)
                            }
                            for lane in 0..<8 {
                                dstRow[i + lane] = Self.byte(acc[lane])
                            }
                            i += 8
                        }
                        while i < rowFloats {
                            var acc: Float = 0
                            for k in 0..<taps {
                                acc += vw[base + k] * midBase[offsets[base + k] + i]
                            }
                            dstRow[i] = Self.byte(acc)
                            i += 1
                        }
                    }
                }
            }
        }
    }

    /// A filtered sample as a byte: clamped to 0…255, halves rounded up.
    @inline(__always)
    static func byte(_ value: Float) -> UInt8 {
        value <= 0 ? 0 : (value >= 255 ? 255 : UInt8(value + 0.5))
    }

    /// Paints the canvas outside `rect` with the background colour.
    private func fillBackground(_ dst: UnsafeMutableBufferPointer<UInt8>, rect: (x: Int, y: Int, width: Int, height: Int)) {
        if rect.x == 0 && rect.y == 0 && rect.width == targetWidth && rect.height == targetHeight { return }
        let bg = background
        for y in 0..<targetHeight {
            let inside = y >= rect.y && y < rect.y + rect.height
            for x in 0..<targetWidth where !inside || x < rect.x || x >= rect.x + rect.width {
                let p = (y * targetWidth + x) * 3
                dst[p] = bg.red
                dst[p + 1] = bg.green
                dst[p + 2] = bg.blue
            }
        }
    }
}
