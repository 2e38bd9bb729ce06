// MARK: - RGB8Conversion

/// The one rounding rule from model floats to display bytes: `byte = clamp(round((x + 1) * 127.5), 0, 255)`.
///
/// A frame is quantised exactly once, at the end of the stage pipeline; everything before works on
/// float planes in `[-1, 1]`. Rounding is half to even (IEEE `rint`); NaN maps to 0. The SIMD path
/// and the scalar definition (`byte(_:)`, its reference) give identical bytes (tested).
public enum RGB8Conversion {
    /// Planar `[3, H, W]` floats → interleaved RGB8 (`pixelCount = H * W` pixels, `3 * pixelCount` bytes).
    @inlinable
    public static func convert(unsafePlanes planes: UnsafePointer<Float>, pixelCount: Int, into output: UnsafeMutablePointer<UInt8>) {
        let r = UnsafeRawPointer(planes), g = UnsafeRawPointer(planes + pixelCount), b = UnsafeRawPointer(planes + 2 * pixelCount)
        var i = 0
        while i + 16 <= pixelCount {
            let vr = bytes(r.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            let vg = bytes(g.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            let vb = bytes(b.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            let o = output + i * 3
            for j in 0..<16 {
                o[3 * j] = UInt8(truncatingIfNeeded: vr[j])
                o[3 * j + 1] = UInt8(truncatingIfNeeded: vg[j])
                o[3 * j + 2] = UInt8(truncatingIfNeeded: vb[j])
            }
            i += 16
        }
        while i < pixelCount {
            output[3 * i] = byte(planes[i])
            output[3 * i + 1] = byte(planes[pixelCount + i])
            output[3 * i + 2] = byte(planes[2 * pixelCount + i])
            i += 1
        }
    }

    /// Sixteen samples at once: scale, clamp (NaN → 0), round half to even via 1.5·2²³.
    @inlinable @inline(__always)
    static func bytes(_ v: SIMD16<Float>) -> SIMD16<Int32> {
        var f = (v + 1) * SIMD16<Float>(repeating: 127.5)
        f = f.replacing(with: 0, where: .!(f .>= 0))   // also maps NaN to 0
        f = f.replacing(with: 255, where: f .> 255)
        // Adding 1.5·2²³ leaves the rounded integer in the low mantissa bits.
        return unsafeBitCast(f + SIMD16<Float>(repeating: 12_582_912), to: SIMD16<Int32>.self) &- 0x4B40_0000
    }

    /// The scalar definition, the reference for the SIMD path.
    @inlinable @inline(__always)
    public static func byte(_ x: Float) -> UInt8 {
        let v = ((x + 1) * 127.5).rounded(.toNearestOrEven)
        guard v == v else { return 0 }
        return UInt8(min(max(v, 0), 255))
    }

    /// The float in `[-1, 1]` that `byte(_:)` maps back to `value` exactly: `value / 127.5 - 1`.
    @inlinable
    public static func unit(_ value: UInt8) -> Float {
        Float(value) / 127.5 - 1
    }
}

// MARK: - Conversions between frames and planes

extension PlanarImage {
    /// Writes this `[3, H, W]` image into `frame` (same size) with the one rounding rule.
    public func write(into frame: inout Frame) {
        precondition(channels == 3, "an RGB frame needs 3 planes, got \(channels)")
        precondition(frame.width == width && frame.height == height, "frame is \(frame.width)x\(frame.height), image is \(width)x\(height)")
        let pixels = planeCount
        storage.withUnsafeBufferPointer { src in
            frame.pixels.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                RGB8Conversion.convert(unsafePlanes: s, pixelCount: pixels, into: d)
            }
        }
    }

    /// The frame of this `[3, H, W]` image (allocates).
    public var frame: Frame {
        var frame = Frame(width: width, height: height)
        write(into: &frame)
        return frame
    }

    /// The planes of an RGB8 frame, `byte / 127.5 - 1` (so `frame` gives the same bytes back).
    public init(frame: Frame) {
        self.init(channels: 3, width: frame.width, height: frame.height)
        let pixels = frame.width * frame.height
        for i in 0..<pixels {
            for c in 0..<3 { storage[c * pixels + i] = RGB8Conversion.unit(frame.pixels[i * 3 + c]) }
        }
    }
}
