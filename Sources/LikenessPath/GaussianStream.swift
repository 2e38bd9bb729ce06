// MARK: - Seekable standard-normal vectors

/// Seekable streams of standard-normal vectors: vector `index` of stream `stream` under a seed is
/// a pure function of `(seed, stream, index)`.
///
/// Component pair `j` (components `2j` and `2j + 1`) of vector `index` comes from one Philox4x32-10
/// block with the counter
///
///     (j, low 32 bits of index, high 32 bits of index, stream)
///
/// and the key `seed`. The four output words make two 53-bit integers `a`, `b`, then two uniforms
/// `u₁ = (a + 1)·2⁻⁵³ ∈ (0, 1]` and `u₂ = b·2⁻⁵³ ∈ [0, 1)`, and the Box–Muller transform
/// (Box and Muller 1958) gives two independent N(0, 1) samples:
///
///     r = √(−2 ln u₁),   (z₂ⱼ, z₂ⱼ₊₁) = (r cos 2πu₂, r sin 2πu₂)
///
/// `ln`, `sin` and `cos` come from ``PortableMath``, so every sample is bit-identical across
/// machines. Because the counter holds the component index, a vector's first `n` components do
/// not depend on its length: the keyframes of a 128-dimensional model are a prefix of those of a
/// 512-dimensional one. The smallest `u₁` is 2⁻⁵³, so samples are bounded by √(106 ln 2) ≈ 8.57.
public struct GaussianStream: Sendable, Hashable {
    /// The seed (the Philox key).
    public let seed: UInt64
    @usableFromInline let philox: Philox4x32

    /// The streams of one seed.
    @inlinable
    public init(seed: UInt64) {
        self.seed = seed
        self.philox = Philox4x32(seed: seed)
    }

    /// Components `2·pair` and `2·pair + 1` of vector `index` in `stream`.
    @inlinable
    public func normalPair(stream: UInt32, index: Int64, pair: Int) -> (Double, Double) {
        let bits = UInt64(bitPattern: index)
        let (x0, x1, x2, x3) = philox.block(
            UInt32(truncatingIfNeeded: pair),
            UInt32(truncatingIfNeeded: bits),
            UInt32(truncatingIfNeeded: bits >> 32),
            stream)
        let a = (UInt64(x0) << 21) | UInt64(x1 >> 11)  // 53 bits
        let b = (UInt64(x2) << 21) | UInt64(x3 >> 11)
        let u1 = Double(a + 1) * 0x1p-53  // (0, 1]
        let radius = (-2 * PortableMath.log(u1)).squareRoot()
        // 2πu₂ is 4u₂ quarter turns; 4u₂ = b·2⁻⁵¹ exactly.
        let (s, c) = PortableMath.sinCos(quarterTurns: Double(b) * 0x1p-51)
        return (radius * c, radius * s)
    }

    /// Component `component` of vector `index` in `stream`.
    @inlinable
    public func normal(stream: UInt32, index: Int64, component: Int) -> Double {
        let (even, odd) = normalPair(stream: stream, index: index, pair: component >> 1)
        return component & 1 == 0 ? even : odd
    }

    /// Vector `index` of `stream`, `count` components, as `Double`.
    public func vector(stream: UInt32, index: Int64, count: Int) -> [Double] {
        precondition(count >= 0, "a vector needs a non-negative length")
        var result = [Double](repeating: 0, count: count)
        var pair = 0
        while 2 * pair < count {
            let (even, odd) = normalPair(stream: stream, index: index, pair: pair)
            result[2 * pair] = even
            if 2 * pair + 1 < count { result[2 * pair + 1] = odd }
            pair += 1
        }
        return result
    }
}
