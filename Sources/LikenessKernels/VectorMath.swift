// MARK: - VectorMath

/// Vectorized transcendental functions, accurate to a few ulp (Cephes-style range reduction).
///
/// `@inlinable`, so the ISA modules compile them for their CPU inside their kernels.
public enum VectorMath {
    /// e^x for 16 lanes; inputs are clamped to [-87, 88].
    @inlinable @inline(__always)
    public static func exp(_ input: SIMD16<Float>) -> SIMD16<Float> {
        let x = pointwiseMin(pointwiseMax(input, SIMD16(repeating: -87)), SIMD16(repeating: 88))
        // Round to nearest with the 1.5·2²³ trick (no per-lane conversions); its bit pattern holds n.
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        // Polynomial for e^r on [-ln2/2, ln2/2].
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        p = p * r * r + r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127
        let scale = unsafeBitCast(exponent &<< 23, to: SIMD16<Float>.self)
        return p * scale
    }

    @inlinable @inline(__always)
    public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        1 / (1 + exp(-x))
    }

    @inlinable @inline(__always)
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // tanh(x) = 1 - 2 / (e^{2x} + 1); absolute error < 2e-7 everywhere.
        1 - 2 / (exp(x + x) + 1)
    }
}

// MARK: - CurveFunction

/// A smooth activation a kernel applies after its ``LinearEpilogue``, before the store.
public enum CurveFunction: Sendable, Equatable {
    case none, sigmoid, tanh

    @inlinable @inline(__always)
    public func apply(_ x: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .none: return x
        case .sigmoid: return VectorMath.sigmoid(x)
        case .tanh: return VectorMath.tanh(x)
        }
    }
}

// MARK: - CurveKernel

/// A smooth activation over a whole buffer, in place: the standalone Sigmoid / Tanh step (a GLU's gate,
/// where no producing kernel can take the curve into its store). Each ISA module's ``KernelTable``
/// instantiates it, so `VectorMath`'s lanes compile to that CPU's registers (the engine module itself is
/// built for the baseline x86-64, where 16 lanes of `exp` cost about 40 times more).
public enum CurveKernel {
    @inlinable
    public static func applyInPlace(_ pointer: UnsafeMutablePointer<Float>, count: Int, curve: CurveFunction) {
        let raw = UnsafeMutableRawPointer(pointer)
        var i = 0
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            raw.storeBytes(of: curve.apply(v), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for j in 0..<(count - i) { tail[j] = pointer[i + j] }
            let result = curve.apply(tail)
            for j in 0..<(count - i) { pointer[i + j] = result[j] }
        }
    }
}
