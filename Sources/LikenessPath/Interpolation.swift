// MARK: - Interpolation weights

/// Weights and easing curves used by the motion styles.
public enum Interpolation {
    /// Uniform Catmull–Rom weights for the points `P₋₁, P₀, P₁, P₂` at `u ∈ [0, 1]`, and their
    /// derivatives with respect to `u`.
    ///
    ///     p(u) = ½ [ (−u³ + 2u² − u) P₋₁ + (3u³ − 5u² + 2) P₀ + (−3u³ + 4u² + u) P₁ + (u³ − u²) P₂ ]
    ///
    /// `p(0) = P₀`, `p(1) = P₁`, `p′(0) = (P₁ − P₋₁)/2`, `p′(1) = (P₂ − P₀)/2`: each keyframe's
    /// tangent is shared by the two segments that meet there, so the curve is C¹ (not C²: the
    /// second derivative jumps at keyframes by a bounded amount, see ``LatentPath``).
    /// The weights sum to 1 for every `u`, and `Σ|wᵢ| ≤ 1.25` (at `u = ½`).
    @inlinable
    public static func catmullRom(_ u: Double) -> (weights: SIMD4<Double>, derivatives: SIMD4<Double>) {
        let u2 = u * u
        let u3 = u2 * u
        let weights = SIMD4(
            0.5 * (-u3 + 2 * u2 - u),
            0.5 * (3 * u3 - 5 * u2 + 2),
            0.5 * (-3 * u3 + 4 * u2 + u),
            0.5 * (u3 - u2))
        let derivatives = SIMD4(
            0.5 * (-3 * u2 + 4 * u - 1),
            0.5 * (9 * u2 - 10 * u),
            0.5 * (-9 * u2 + 8 * u + 1),
            0.5 * (3 * u2 - 2 * u))
        return (weights, derivatives)
    }

    /// Perlin's smootherstep `S(x) = 6x⁵ − 15x⁴ + 10x³` on `[0, 1]` (clamped outside) and `S′(x)`.
    ///
    /// `S(0) = 0`, `S(1) = 1`, and the first and second derivatives vanish at both ends, so a
    /// morph that starts and ends with it joins a hold with continuous velocity and acceleration.
    @inlinable
    public static func smootherstep(_ x: Double) -> (value: Double, derivative: Double) {
        if x <= 0 { return (0, 0) }
        if x >= 1 { return (1, 0) }
        let x2 = x * x
        let value = x2 * x * (x * (6 * x - 15) + 10)
        let oneMinus = 1 - x
        let derivative = 30 * x2 * oneMinus * oneMinus
        return (value, derivative)
    }
}
