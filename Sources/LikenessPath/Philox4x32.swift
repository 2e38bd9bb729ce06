// MARK: - Philox4x32-10

/// The Philox4x32-10 counter-based pseudo-random function (Salmon, Moraes, Dror and Shaw 2011,
/// "Parallel random numbers: as easy as 1, 2, 3").
///
/// A counter-based generator has no state to advance: `block(counter)` maps a 128-bit counter and
/// a 64-bit key to 128 pseudo-random bits. Any block of the stream is therefore computed directly,
/// which is what makes a show seekable: the keyframe for any instant is a pure function of
/// `(seed, keyframe index)`.
///
/// One round, with the multipliers `M0 = 0xD2511F53`, `M1 = 0xCD9E8D57`:
///
///     (hi0, lo0) = M0 · c0        (hi1, lo1) = M1 · c2        (64-bit products)
///     c' = (hi1 ⊕ c1 ⊕ k0,  lo1,  hi0 ⊕ c3 ⊕ k1,  lo0)
///
/// Ten rounds, with the key bumped by the Weyl constants `(0x9E3779B9, 0xBB67AE85)` between rounds.
/// Only integer arithmetic is used, so the output is bit-identical on every machine. Verified
/// against the Random123 known-answer vectors (`kat_vectors`) in the tests.
public struct Philox4x32: Sendable, Hashable {
    /// Low 32 bits of the key.
    public let key0: UInt32
    /// High 32 bits of the key.
    public let key1: UInt32

    /// A generator keyed by two 32-bit words.
    @inlinable
    public init(key0: UInt32, key1: UInt32) {
        self.key0 = key0
        self.key1 = key1
    }

    /// A generator keyed by a 64-bit seed (low word first).
    @inlinable
    public init(seed: UInt64) {
        self.init(key0: UInt32(truncatingIfNeeded: seed), key1: UInt32(truncatingIfNeeded: seed >> 32))
    }

    /// The 128 random bits for one counter value.
    @inlinable
    public func block(_ counter: SIMD4<UInt32>) -> SIMD4<UInt32> {
        let (x0, x1, x2, x3) = block(counter[0], counter[1], counter[2], counter[3])
        return SIMD4(x0, x1, x2, x3)
    }

    /// The 128 random bits for the counter `(c0, c1, c2, c3)`, as four words.
    @inlinable
    public func block(
        _ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32
    ) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = (c0, c1, c2, c3)
        var k0 = key0
        var k1 = key1
        Self.round(&c, k0, k1)
        for _ in 1..<10 {
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
            Self.round(&c, k0, k1)
        }
        return c
    }

    @inlinable @inline(__always)
    static func round(_ c: inout (UInt32, UInt32, UInt32, UInt32), _ k0: UInt32, _ k1: UInt32) {
        let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
        let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
        let hi0 = UInt32(truncatingIfNeeded: p0 >> 32)
        let lo0 = UInt32(truncatingIfNeeded: p0)
        let hi1 = UInt32(truncatingIfNeeded: p1 >> 32)
        let lo1 = UInt32(truncatingIfNeeded: p1)
        c = (hi1 ^ c.1 ^ k0, lo1, hi0 ^ c.3 ^ k1, lo0)
    }
}
