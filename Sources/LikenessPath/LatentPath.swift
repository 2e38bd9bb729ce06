// MARK: - Latent path

/// A seeded, never-repeating (or exactly looping), seekable path through a generator's latent
/// space: show time in, latent vector out.
///
/// ## Keyframes
/// Keyframe `k` is a standard-normal vector `z_k ∈ ℝⁿ` (`n = zDim`), a pure function of
/// `(seed, k)` (``GaussianStream``, stream 0). Nothing is stored or advanced: any instant of an
/// endless show is computed directly, a restarted kiosk resumes where the show would be, and two
/// machines with the same seed and synchronised clocks show the same face.
///
/// ## Norm preservation
/// A Gaussian latent lives near the sphere of radius √n (‖z‖ ~ χₙ, mean ≈ √(n − ½), sd ≈ 1/√2).
/// A plain blend of independent keyframes is shorter — at the midpoint of a linear blend
/// ‖(a + b)/2‖ ≈ √(n/2) — which the generator renders as washed-out, average faces (White 2016,
/// "Sampling Generative Networks"). Every style here therefore builds a *direction* `q(τ)` as a
/// weighted sum of a few Gaussian vectors and a *radius* `ρ(τ)` as a weighted sum of their
/// norms, and returns
///
///     z(τ) = ψ · ρ(τ) · q(τ) / ‖q(τ)‖
///
/// where ψ is the truncation. If `q` and `ρ` are C¹ and `q ≠ 0`, so is `z`:
/// `z′ = ψ [ρ′ q̂ + ρ (q′ − q̂ (q̂·q′)) / ‖q‖]` with `q̂ = q/‖q‖`. (`q = 0` would need the
/// blended Gaussian vectors to cancel exactly; it has probability zero.)
///
/// ## Styles (τ = t · speed, path seconds)
/// - ``MotionStyle/drift(secondsPerKeyframe:)`` with spacing `T`: `τ = (k + u) T`,
///   `q = Σ wᵢ(u) z_{k−1+i}` with uniform Catmull–Rom weights, `ρ = Σ wᵢ(u) ‖z_{k−1+i}‖`.
///   At keyframes `z(kT) = ψ z_k` exactly. Both factors are C¹, so `z` is C¹.
/// - ``MotionStyle/loop(keyframes:period:)`` with `K` keyframes and period `P`: the same spline,
///   closed: keyframe indices are taken mod `K` and `T = P/K`. The phase `τ mod P` is reduced
///   exactly (`fmod`) and quantised to 2⁻³² of a period (a few nanoseconds for any real period),
///   so `t` and `t + P` land on the same phase, and return the same bits, unless rounding of
///   `t + P` straddles a quantisation step (probability about 2⁻²⁰ for `t < P`). The closed
///   Catmull–Rom tangent at keyframe 0 uses `z_{K−1}` and `z_1`, so the velocity is continuous
///   across the seam.
/// - ``MotionStyle/sitters(hold:morph:)`` with `T = hold + morph`: sitter `k` is
///   `a_k(τ) = z_k + δ s_k(τ) d_k`, where `d_k` is a second Gaussian vector (stream 1),
///   `s_k = (τ − kT − hold/2)/T ∈ [−1, 1]` over the sitter's presence, and `δ` is
///   ``sitterDrift``: a slow straight drift of at most ±atan δ ≈ ±14° that keeps the face alive
///   during its hold. Between sitters, `w = S((τ − kT − hold)/morph)` (smootherstep) and
///   `q = cos(πw/2) a_k + sin(πw/2) a_{k+1}`, which is exactly slerp for orthogonal,
///   equal-length endpoints (independent Gaussian vectors are nearly so), `ρ = (1 − w)‖z_k‖ +
///   w‖z_{k+1}‖`. `S′ = S″ = 0` at both ends of a morph, so the path is C¹ (indeed C²) across
///   hold/morph boundaries.
///
/// ## Documented bounds (checked by the tests)
/// - **Norm band.** For drift and loop, ‖z(τ)‖/ψ lies in `[m − (M − m)/8, M + (M − m)/8]`, where
///   `m, M` are the smallest and largest norms among the four keyframes around τ (Catmull–Rom
///   overshoot is at most 1/8 of the range); for sitters it lies in `[m, M]` of the two sitters.
///   Since keyframe norms are χₙ, for n ≥ 64 ‖z(τ)‖/(ψ√n) stays within `1 ± 5/√(2n)`
///   (±0.156 at n = 512) except with probability below 10⁻⁶ per keyframe.
/// - **Velocity continuity.** At a keyframe `t_k` of drift or loop, the second difference
///   `Δ²ₕ = z(t_k + h) − 2 z(t_k) + z(t_k − h)` obeys `‖Δ²ₕ‖ ≤ C₂ · ψ √n · (h · speed / T)²` with
///   ``secondDifferenceBound`` `C₂ = 12` for `h ≤ T/10` (measured worst: 0.37 C₂). A velocity jump `J` would instead give
///   `‖Δ²ₕ‖ ≈ ‖J‖ h`, linear in `h`; the tests also check that halving `h` quarters `‖Δ²ₕ‖`.
///
/// ## Cost
/// An instant needs 2–4 Gaussian vectors (a Philox block, one logarithm, a square root and a
/// sine/cosine pair per two components). Consecutive frames share them, so the path keeps the
/// last six in a small cache allocated with the path (``init(seed:zDim:style:truncation:speed:)``);
/// a frame then costs two passes over `out`, and a frame that enters a new segment generates one
/// or two vectors. `latent(at:into:)` allocates nothing. The cache holds only values that are a
/// pure function of `(seed, stream, index)` and the kernel does the same arithmetic with or
/// without it, so results never depend on what was evaluated before: seeking is exactly stepping.
/// The path is safe to share between threads (a thread that finds the cache busy computes
/// without it).
public struct LatentPath: Sendable {
    /// The seed: the key of every random vector on the path.
    public let seed: UInt64
    /// The latent dimension n, taken from the model.
    public let zDim: Int
    /// How the path moves through its keyframes.
    public let style: MotionStyle
    /// Truncation ψ: `z′ = ψ z` pulls every latent toward the prior mean 0 (ψ < 1 gives safer,
    /// blander faces; 1 leaves the prior untouched).
    public let truncation: Float
    /// Show seconds to path seconds: `τ = speed · t`.
    public let speed: Double

    @usableFromInline let gaussian: GaussianStream
    /// Recently generated vectors (shared by copies of this path; see `SourceCache`).
    @usableFromInline let cache: SourceCache?
    /// Chooses each keyframe among seeded candidates or fixed vectors (a taste file); nil = the plain keyframes.
    public let chooser: (any KeyframeChooser)?

    /// The sitter drift amplitude δ: over its presence a sitter moves along `z_k + δ s d_k`,
    /// `s ∈ [−1, 1]`, a turn of at most atan(0.25) ≈ 14° (about ±0.1 rad during an 8 s hold of
    /// a 10 s cycle).
    public static let sitterDrift = 0.25

    /// The constant C₂ of the documented second-difference bound at keyframes (see above).
    public static let secondDifferenceBound = 12.0

    /// Stream of the keyframes `z_k`.
    public static let keyframeStream: UInt32 = 0
    /// Stream of the sitter drift directions `d_k`.
    public static let driftStream: UInt32 = 1

    /// A path. Traps on invalid arguments; call ``validate(zDim:style:truncation:speed:)`` first
    /// to turn user input into a ``PathError``.
    ///
    /// With a `chooser`, keyframe `k` is whichever vector the chooser picks for `k` (see ``KeyframeChooser``);
    /// the sitters' drift directions stay those of the seed.
    public init(seed: UInt64, zDim: Int, style: MotionStyle, truncation: Float = 1.0, speed: Double = 1.0,
                chooser: (any KeyframeChooser)? = nil) {
        do {
            try Self.validate(zDim: zDim, style: style, truncation: truncation, speed: speed)
        } catch {
            preconditionFailure(error.description)
        }
        self.seed = seed
        self.zDim = zDim
        self.style = style
        self.truncation = truncation
        self.speed = speed
        self.gaussian = GaussianStream(seed: seed)
        self.cache = zDim <= SourceCache.maximumZDim ? SourceCache(zDim: zDim) : nil
        self.chooser = chooser
        if let chooser {
            precondition(chooser.fixedVectors.allSatisfy { $0.count == zDim }, "every fixed keyframe needs zDim = \(zDim) components")
        }
    }

    /// Throws the ``PathError`` that ``init(seed:zDim:style:truncation:speed:)`` would trap on.
    public static func validate(zDim: Int, style: MotionStyle, truncation: Float = 1.0, speed: Double = 1.0)
        throws(PathError)
    {
        guard zDim >= 1 else { throw .invalidZDim(zDim) }
        guard truncation.isFinite, truncation >= 0 else { throw .invalidTruncation(truncation) }
        guard speed.isFinite, speed > 0 else { throw .invalidSpeed(speed) }
        try style.validate()
    }

    // MARK: Time → latent

    /// The latent at show time `t` (seconds), `zDim` floats.
    public func latent(at t: Double) -> [Float] {
        [Float](unsafeUninitializedCapacity: zDim) { buffer, count in
            buffer.initialize(repeating: 0)
            latent(at: t, into: buffer)
            count = zDim
        }
    }

    /// Writes the latent at show time `t` (seconds) into `out` (exactly `zDim` floats) without
    /// allocating.
    public func latent(at t: Double, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count == zDim, "latent(at:into:) needs exactly zDim = \(zDim) floats, got \(out.count)")
        evaluate(blend(at: t), into: out)
    }

    /// The velocity `dz/dt` at show time `t`, in latent units per show second (analytic).
    ///
    /// For tests and analysis; allocates.
    public func velocity(at t: Double) -> [Float] {
        evaluateVelocity(blend(at: t))
    }

    /// The show time of frame `index` at `fps` frames per second: `index / fps`.
    ///
    /// Recording by frame index makes a video deterministic at any frame rate. When
    /// `period · fps` is a whole number `N`, frame `N` is at exactly `period` seconds.
    public static func time(ofFrame index: Int, fps: Double) -> Double {
        precondition(fps > 0 && fps.isFinite, "fps must be a finite number > 0")
        return Double(index) / fps
    }

    /// The loop period in show seconds (`period / speed`), or `nil` for styles that never repeat.
    public var period: Double? {
        if case let .loop(_, period) = style { return period / speed }
        return nil
    }

    /// Keyframe `k`: the untruncated standard-normal vector `z_k` (the chooser's choice, if the path has one).
    ///
    /// For a loop, the keyframes are `keyframe(0) ..< keyframe(K)`; for sitters, `keyframe(k)`
    /// is the sitter on show at `t = k (hold + morph) / speed` up to its drift.
    public func keyframe(_ k: Int) -> [Float] {
        let plan = steer(Blend(index: SIMD4(repeating: Int64(k)), stream: SIMD4(repeating: Self.keyframeStream),
                               weight: SIMD4(1, 0, 0, 0), weightRate: .zero, radiusWeight: SIMD4(1, 0, 0, 0), radiusRate: .zero))
        return sourceVector(stream: plan.stream[0], index: plan.index[0]).map { Float($0) }
    }
}
