// MARK: - Portable elementary functions

/// Elementary functions built only from IEEE 754 `+ − × ÷ √`, so that results are bit-identical
/// on every conforming machine.
///
/// The platform `log`, `sin` and `cos` (glibc, Apple libm, musl) are not correctly rounded and
/// differ in the last bit between libraries and versions. A latent that differs in one bit
/// renders the same face, but "same seed → bit-identical latents on every machine" is a promise
/// this module keeps, so the Gaussian transform uses these instead. Swift does not contract
/// `a * b + c` into a fused multiply-add unless asked to, and evaluates in the order written, so
/// the sequence of correctly rounded operations below is the same everywhere.
///
/// Accuracy is a few ulp (checked against the platform libm in the tests), far beyond what a
/// latent needs.
public enum PortableMath {
    // ln 2 split so that `e * ln2High` is exact for |e| < 2^11 (fdlibm's constants).
    @usableFromInline static let ln2High = 6.931_471_803_691_238_164_90e-01
    @usableFromInline static let ln2Low = 1.908_214_929_270_587_700_02e-10

    /// The natural logarithm of a positive, normal, finite `x`.
    ///
    /// Write `x = m · 2^e` with `m ∈ [1/√2, √2)` (exact bit manipulation), then
    /// `ln m = 2 artanh s = 2 (s + s³/3 + s⁵/5 + …)` with `s = (m − 1)/(m + 1)`, `|s| ≤ 0.1716`;
    /// eleven terms bring the truncation error below 2⁻⁵⁶. Finally `ln x = e · ln 2 + ln m`.
    @inlinable
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite && x.isNormal, "PortableMath.log needs a positive normal number")
        var e = Double(Int(x.exponent))
        var m = x.significand  // [1, 2)
        if m > 1.414_213_562_373_095_1 {
            m *= 0.5
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // Horner form of 1 + s²/3 + s⁴/5 + … + s²⁰/21.
        var p = 1.0 / 21.0
        p = p * s2 + 1.0 / 19.0
        p = p * s2 + 1.0 / 17.0
        p = p * s2 + 1.0 / 15.0
        p = p * s2 + 1.0 / 13.0
        p = p * s2 + 1.0 / 11.0
        p = p * s2 + 1.0 / 9.0
        p = p * s2 + 1.0 / 7.0
        p = p * s2 + 1.0 / 5.0
        p = p * s2 + 1.0 / 3.0
        let lnM = 2 * s + 2 * s * (s2 * p)
        return e * ln2High + (e * ln2Low + lnM)
    }

    /// `(sin(x·π/2), cos(x·π/2))`: sine and cosine of `x` quarter turns.
    ///
    /// The argument is reduced exactly in quarter turns, `x = n + y`, `n = round(x)`, `|y| ≤ 1/2`
    /// (exact for |x| < 2⁵²), so integer `x` gives exact zeros and ones: `sinCos(quarterTurns: 1)`
    /// is exactly `(1, 0)`. Then `θ = y·π/2 ∈ [−π/4, π/4]` and Taylor polynomials to degree 19/18
    /// (truncation below 10⁻¹⁸), rotated into quadrant `n mod 4`.
    @inlinable
    public static func sinCos(quarterTurns x: Double) -> (sin: Double, cos: Double) {
        precondition(x.isFinite && abs(x) < 0x1p52, "PortableMath.sinCos needs |x| < 2^52")
        let n = x.rounded(.toNearestOrEven)
        let y = x - n
        let theta = y * 1.570_796_326_794_896_6
        let t2 = theta * theta
        // sin θ = θ (1 − θ²/3! + θ⁴/5! − … − θ¹⁸/19!)
        var s = -1.0 / 121_645_100_408_832_000.0
        s = s * t2 + 1.0 / 355_687_428_096_000.0
        s = s * t2 - 1.0 / 1_307_674_368_000.0
        s = s * t2 + 1.0 / 6_227_020_800.0
        s = s * t2 - 1.0 / 39_916_800.0
        s = s * t2 + 1.0 / 362_880.0
        s = s * t2 - 1.0 / 5_040.0
        s = s * t2 + 1.0 / 120.0
        s = s * t2 - 1.0 / 6.0
        let sinTheta = theta + theta * (t2 * s)
        // cos θ = 1 − θ²/2! + θ⁴/4! − … + θ¹⁸/18!
        var c = 1.0 / 6_402_373_705_728_000.0
        c = c * t2 - 1.0 / 20_922_789_888_000.0
        c = c * t2 + 1.0 / 87_178_291_200.0
        c = c * t2 - 1.0 / 479_001_600.0
        c = c * t2 + 1.0 / 3_628_800.0
        c = c * t2 - 1.0 / 40_320.0
        c = c * t2 + 1.0 / 720.0
        c = c * t2 - 1.0 / 24.0
        c = c * t2 + 0.5
        let cosTheta = 1.0 - t2 * c
        switch Int64(n) & 3 {
        case 0: return (sinTheta, cosTheta)
        case 1: return (cosTheta, -sinTheta)
        case 2: return (-sinTheta, -cosTheta)
        default: return (-cosTheta, sinTheta)
        }
    }
}
