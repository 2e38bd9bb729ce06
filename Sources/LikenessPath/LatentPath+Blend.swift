// MARK: - Blend plans and evaluation

/// What to mix at one instant: up to four Gaussian vectors `V_j` (a stream and an index each),
/// the direction `q = Σ weight_j V_j`, its time derivative `q′ = Σ weightRate_j V_j`, the radius
/// `ρ = Σ radiusWeight_j ‖V_j‖` and `ρ′ = Σ radiusRate_j ‖V_j‖`. Rates are per show second.
@usableFromInline
struct Blend: Sendable {
    @usableFromInline var index: SIMD4<Int64>
    @usableFromInline var stream: SIMD4<UInt32>
    @usableFromInline var weight: SIMD4<Double>
    @usableFromInline var weightRate: SIMD4<Double>
    @usableFromInline var radiusWeight: SIMD4<Double>
    @usableFromInline var radiusRate: SIMD4<Double>
}

extension LatentPath {
    /// The blend plan at show time `t`.
    @usableFromInline
    func blend(at t: Double) -> Blend {
        precondition(t.isFinite, "show time must be finite")
        let tau = t * speed
        switch style {
        case let .drift(spacing):
            let x = tau / spacing
            precondition(abs(x) < 0x1p62, "show time \(t) is too far from the epoch for this path")
            let k = x.rounded(.down)
            let u = x - k
            let (w, dw) = Interpolation.catmullRom(u)
            let base = Int64(k)
            let rate = speed / spacing
            return Blend(
                index: SIMD4(base &- 1, base, base &+ 1, base &+ 2),
                stream: SIMD4(repeating: Self.keyframeStream),
                weight: w, weightRate: dw * rate, radiusWeight: w, radiusRate: dw * rate)

        case let .loop(count, period):
            // Exact reduction τ mod P (fmod is exact), then quantisation to 2⁻³² of a period.
            var r = tau.truncatingRemainder(dividingBy: period)
            if r < 0 { r += period }
            var q = UInt64((r / period * 0x1p32).rounded(.toNearestOrEven))
            if q >= 1 << 32 { q -= 1 << 32 }
            let scaled = q &* UInt64(count)  // < 2^52
            let segment = Int64(scaled >> 32)
            let u = Double(scaled & 0xFFFF_FFFF) * 0x1p-32
            let (w, dw) = Interpolation.catmullRom(u)
            let k = Int64(count)
            let rate = speed * Double(count) / period
            return Blend(
                index: SIMD4((segment + k - 1) % k, segment, (segment + 1) % k, (segment + 2) % k),
                stream: SIMD4(repeating: Self.keyframeStream),
                weight: w, weightRate: dw * rate, radiusWeight: w, radiusRate: dw * rate)

        case let .sitters(hold, morph):
            let cycle = hold + morph
            let x = tau / cycle
            precondition(abs(x) < 0x1p62, "show time \(t) is too far from the epoch for this path")
            let kDouble = x.rounded(.down)
            let k = Int64(kDouble)
            let s = min(max(tau - kDouble * cycle, 0), cycle)  // seconds into cycle k
            var w = 0.0
            var dw = 0.0
            if morph > 0, s > hold {
                let (value, derivative) = Interpolation.smootherstep((s - hold) / morph)
                w = value
                dw = derivative / morph * speed
            }
            let (beta, alpha) = PortableMath.sinCos(quarterTurns: w)  // sin, cos of πw/2
            let halfPi = 1.570_796_326_794_896_6
            let dAlpha = -beta * halfPi * dw
            let dBeta = alpha * halfPi * dw
            let delta = Self.sitterDrift
            let sThis = (s - 0.5 * hold) / cycle
            let sNext = (s - cycle - 0.5 * hold) / cycle
            let dS = speed / cycle
            return Blend(
                index: SIMD4(k, k, k &+ 1, k &+ 1),
                stream: SIMD4(Self.keyframeStream, Self.driftStream, Self.keyframeStream, Self.driftStream),
                weight: SIMD4(alpha, alpha * delta * sThis, beta, beta * delta * sNext),
                weightRate: SIMD4(
                    dAlpha, dAlpha * delta * sThis + alpha * delta * dS,
                    dBeta, dBeta * delta * sNext + beta * delta * dS),
                radiusWeight: SIMD4(1 - w, 0, w, 0),
                radiusRate: SIMD4(-dw, 0, dw, 0))
        }
    }

    /// Fills `out` with `ψ ρ q/‖q‖` for `plan`, generating only the vectors with a non-zero
    /// weight. One generation pass (writing `q` and summing norms) and one scaling pass.
    @usableFromInline
    func evaluate(_ plan: Blend, into out: UnsafeMutableBufferPointer<Float>) {
        let used = (plan.weight .!= 0) .| (plan.radiusWeight .!= 0)
        let n = zDim
        var norms2 = SIMD4<Double>(repeating: 0)
        var q2 = 0.0
        var pair = 0
        while 2 * pair < n {
            var even = SIMD4<Double>(repeating: 0)
            var odd = SIMD4<Double>(repeating: 0)
            for j in 0..<4 where used[j] {
                (even[j], odd[j]) = gaussian.normalPair(stream: plan.stream[j], index: plan.index[j], pair: pair)
            }
            let hasOdd = 2 * pair + 1 < n
            if !hasOdd { odd = SIMD4(repeating: 0) }
            let a = plan.weight * even
            let b = plan.weight * odd
            let q0 = ((a[0] + a[1]) + a[2]) + a[3]
            let q1 = ((b[0] + b[1]) + b[2]) + b[3]
            norms2 += even * even + odd * odd
            q2 += q0 * q0 + q1 * q1
            out[2 * pair] = Float(q0)
            if hasOdd { out[2 * pair + 1] = Float(q1) }
            pair += 1
        }
        let norms = norms2.squareRoot()
        let r = plan.radiusWeight * norms
        let rho = ((r[0] + r[1]) + r[2]) + r[3]
        let length = q2.squareRoot()
        guard length > 0 else {
            for i in 0..<n { out[i] = 0 }
            return
        }
        let scale = Double(truncation) * rho / length
        for i in 0..<n { out[i] = Float(Double(out[i]) * scale) }
    }

    /// `dz/dt = ψ [ρ′ q̂ + ρ (q′ − q̂ (q̂·q′)) / ‖q‖]` for `plan`.
    func evaluateVelocity(_ plan: Blend) -> [Float] {
        let n = zDim
        var q = [Double](repeating: 0, count: n)
        var dq = [Double](repeating: 0, count: n)
        var norms2 = SIMD4<Double>(repeating: 0)
        for j in 0..<4 {
            let v = gaussian.vector(stream: plan.stream[j], index: plan.index[j], count: n)
            for i in 0..<n {
                q[i] += plan.weight[j] * v[i]
                dq[i] += plan.weightRate[j] * v[i]
                norms2[j] += v[i] * v[i]
            }
        }
        let norms = norms2.squareRoot()
        let rho = (plan.radiusWeight * norms).sum()
        let dRho = (plan.radiusRate * norms).sum()
        var q2 = 0.0
        var qdq = 0.0
        for i in 0..<n {
            q2 += q[i] * q[i]
            qdq += q[i] * dq[i]
        }
        let length = q2.squareRoot()
        guard length > 0 else { return [Float](repeating: 0, count: n) }
        let psi = Double(truncation)
        return (0..<n).map { i in
            let unit = q[i] / length
            let tangential = dq[i] - unit * (qdq / length)
            return Float(psi * (dRho * unit + rho * tangential / length))
        }
    }
}
