import Testing

import LikenessPath

// MARK: - Loops

@Suite struct LoopTests {
    static let loops: [(keyframes: Int, period: Double)] = [(2, 3), (3, 4), (5, 12), (6, 10)]

    /// `latent(t) == latent(t + P)` bit for bit at every frame time of the common frame rates,
    /// and frame `N = P·fps` repeats frame 0.
    @Test(arguments: loops, [24.0, 25.0, 30.0, 60.0])
    func loopClosesExactlyAtFrameTimes(_ loop: (keyframes: Int, period: Double), fps: Double) {
        let path = LatentPath(seed: 31, zDim: 48, style: .loop(keyframes: loop.keyframes, period: loop.period))
        let frames = Int((loop.period * fps).rounded())
        #expect(LatentPath.time(ofFrame: frames, fps: fps) == loop.period)
        for frame in stride(from: 0, through: frames, by: max(1, frames / 97)) {
            let t = LatentPath.time(ofFrame: frame, fps: fps)
            let here = path.latent(at: t).map(\.bitPattern)
            #expect(path.latent(at: t + loop.period).map(\.bitPattern) == here, "frame \(frame)")
            #expect(path.latent(at: LatentPath.time(ofFrame: frame + frames, fps: fps)).map(\.bitPattern) == here)
            #expect(path.latent(at: t - 3 * loop.period).map(\.bitPattern) == here)
        }
    }

    /// Value and first derivative close across the seam to 1e-6: the one-sided limits at
    /// `t → P⁻` and `t → 0⁺` agree (relative to the typical size of the vector).
    @Test(arguments: loops)
    func loopClosesInValueAndVelocity(_ loop: (keyframes: Int, period: Double)) {
        let path = LatentPath(seed: 8, zDim: 256, style: .loop(keyframes: loop.keyframes, period: loop.period))
        let epsilon = 1e-9 * loop.period
        let start = path.latent(at: epsilon), end = path.latent(at: loop.period - epsilon)
        #expect(distance(start, end) <= 1e-6 * norm(start), "value gap \(distance(start, end))")
        let vStart = path.velocity(at: epsilon), vEnd = path.velocity(at: loop.period - epsilon)
        // Scale: the speed in the middle of a segment. (With two keyframes the closed spline's
        // tangents (P₁ − P₋₁)/2 vanish, so the path comes to rest at each keyframe.)
        let typical = norm(path.velocity(at: 0.5 * loop.period / Double(loop.keyframes)))
        #expect(distance(vStart, vEnd) <= 1e-6 * typical, "velocity gap \(distance(vStart, vEnd)) of \(typical)")
        if loop.keyframes > 2 { #expect(norm(vStart) > 0.1 * typical) }
        #expect(path.latent(at: 0) == path.keyframe(0))
    }
}

// MARK: - Smoothness

@Suite struct SmoothnessTests {
    /// The analytic velocity agrees with a central difference of `latent(at:)`.
    @Test(arguments: allStyles)
    func velocityMatchesFiniteDifference(_ style: MotionStyle) {
        let path = LatentPath(seed: 12, zDim: 128, style: style, truncation: 0.9, speed: 1.3)
        let h = 1e-3
        for t in [0.4, 2.2, 3.05, 4.1, 7.77, 13.3] {
            let v = path.velocity(at: t)
            let a = path.latent(at: t + h), b = path.latent(at: t - h)
            let difference = zip(a, b).map { Float((Double($0) - Double($1)) / (2 * h)) }
            #expect(distance(v, difference) <= 2e-3 * max(norm(v), 1), "t = \(t): \(distance(v, difference)) of \(norm(v))")
        }
    }

    /// Times where motion changes regime: keyframes (drift, loop), starts and ends of morphs
    /// (sitters).
    static func joints(of style: MotionStyle) -> [Double] {
        switch style {
        case let .sitters(hold, morph): (0..<4).flatMap { k in [Double(k) * (hold + morph), Double(k) * (hold + morph) + hold] }
        case let .drift(spacing): (0..<8).map { Double($0) * spacing }
        case let .loop(count, period): (0...count).map { Double($0) * period / Double(count) }
        }
    }

    /// No velocity jumps: one-sided velocities at every joint agree.
    @Test(arguments: allStyles)
    func velocityIsContinuousAtJoints(_ style: MotionStyle) {
        let path = LatentPath(seed: 3, zDim: 128, style: style)
        for t in Self.joints(of: style) {
            let epsilon = 1e-7
            let left = path.velocity(at: t - epsilon), right = path.velocity(at: t + epsilon)
            #expect(distance(left, right) <= 1e-4 * max(norm(left), 1), "t = \(t): jump \(distance(left, right))")
        }
    }

    /// The documented bound ‖Δ²ₕ‖ ≤ C₂ ψ √n (h·speed/T)² at keyframes, and Δ² shrinking as h²
    /// (a velocity jump would make it shrink only as h).
    @Test(arguments: [128, 512], [0.5, 1.0])
    func secondDifferenceAtKeyframesIsBounded(zDim: Int, speed: Double) {
        let spacing = 2.0
        let path = LatentPath(seed: 21, zDim: zDim, style: .drift(secondsPerKeyframe: spacing), truncation: 0.7, speed: speed)
        var worst = 0.0
        for k in -3..<30 {
            let t = Double(k) * spacing / speed
            for fraction in [0.1, 0.05] {
                let h = fraction * spacing / speed
                let d2 = secondDifference(path, at: t, step: h)
                let bound = LatentPath.secondDifferenceBound * 0.7 * Double(zDim).squareRoot() * fraction * fraction
                worst = max(worst, d2 / bound)
                #expect(d2 <= bound, "k = \(k), h = \(h): ‖Δ²‖ = \(d2), bound \(bound)")
            }
            let ratio = secondDifference(path, at: t, step: 0.04 * spacing / speed)
                / secondDifference(path, at: t, step: 0.02 * spacing / speed)
            #expect(ratio > 3.2 && ratio < 4.8, "k = \(k): Δ² ratio \(ratio) (4 for C¹, 2 for a kink)")
        }
        print("second difference at keyframes: worst ‖Δ²‖ / bound = \(worst) (zDim \(zDim))")
    }

    /// Sitters hold (never frozen, never far), then morph into the next sitter.
    @Test func sittersHoldDriftAndMorph() {
        let (hold, morph) = (8.0, 2.0)
        let path = LatentPath(seed: 4, zDim: 512, style: .sitters(hold: hold, morph: morph))
        for k in 0..<4 {
            let start = Double(k) * (hold + morph)
            let sitter = path.keyframe(k), next = path.keyframe(k + 1)
            let a = path.latent(at: start), b = path.latent(at: start + hold)
            #expect(a != b, "the face never freezes")
            for t in stride(from: start, through: start + hold, by: 0.5) {
                #expect(cosine(path.latent(at: t), sitter) > 0.99, "sitter \(k) at \(t)")
            }
            #expect(cosine(path.latent(at: start + hold + morph / 2), sitter) > 0.5)
            #expect(cosine(path.latent(at: start + hold + morph / 2), next) > 0.5)
            #expect(cosine(path.latent(at: start + hold + morph), next) > 0.99)
        }
    }
}

// MARK: - Norm band

@Suite struct NormBandTests {
    /// Deterministic band: relative to the norms of the keyframes around t (see `LatentPath`).
    @Test(arguments: allStyles)
    func normStaysBetweenNeighbouringKeyframeNorms(_ style: MotionStyle) {
        let psi = 0.8
        let path = LatentPath(seed: 17, zDim: 64, style: style, truncation: Float(psi))
        var keyframeNorms = [Int: Double]()
        func keyNorm(_ k: Int) -> Double {
            if let cached = keyframeNorms[k] { return cached }
            let value = norm(path.keyframe(k))
            keyframeNorms[k] = value
            return value
        }
        for t in stride(from: 0.0, to: 30, by: 0.173) {
            let r = norm(path.latent(at: t)) / psi
            let neighbours: [Double]
            var overshoot = 0.125
            switch style {
            case let .sitters(hold, morph):
                let k = Int((t / (hold + morph)).rounded(.down))
                neighbours = [keyNorm(k), keyNorm(k + 1)]
                overshoot = 0
            case let .drift(spacing):
                let k = Int((t / spacing).rounded(.down))
                neighbours = (k - 1...k + 2).map(keyNorm)
            case let .loop(count, period):
                let k = Int((t.truncatingRemainder(dividingBy: period) / period * Double(count)).rounded(.down))
                neighbours = (k - 1...k + 2).map { keyNorm(($0 + count) % count) }
            }
            let (m, big) = (neighbours.min()!, neighbours.max()!)
            let tolerance = 1e-5 * big
            #expect(r >= m - overshoot * (big - m) - tolerance && r <= big + overshoot * (big - m) + tolerance,
                    "t = \(t): ‖z‖/ψ = \(r), keyframes \(neighbours)")
        }
    }

    /// Statistical band: ‖z‖/(ψ√n) within 1 ± 5/√(2n); a plain linear blend (≈ 0.71 at a
    /// midpoint) would fall far outside.
    @Test(arguments: [64, 128, 512])
    func normStaysNearRootZDim(_ zDim: Int) {
        let band = 5 / (2 * Double(zDim)).squareRoot()
        var (low, high) = (Double.infinity, 0.0)
        for style in allStyles {
            let path = LatentPath(seed: 2024, zDim: zDim, style: style, truncation: 0.6)
            for t in stride(from: -20.0, to: 200, by: 0.61) {
                let r = norm(path.latent(at: t)) / (0.6 * Double(zDim).squareRoot())
                low = min(low, r)
                high = max(high, r)
            }
        }
        #expect(low >= 1 - band && high <= 1 + band, "‖z‖/(ψ√n) in [\(low), \(high)], band ±\(band)")
    }
}
