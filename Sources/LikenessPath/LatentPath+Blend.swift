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
    /// The blend plan at show time `t`, with the chooser's keyframes.
    @usableFromInline
    func blend(at t: Double) -> Blend {
        steer(plainBlend(at: t))
    }

    /// The blend plan at show time `t` over the plain keyframes (stream 0, index k).
    func plainBlend(at t: Double) -> Blend {
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

    /// Fills `out` with `ψ ρ q/‖q‖` for `plan`, from the cache when it is free, else generating
    /// the vectors on the fly. Both give the same bits.
    @usableFromInline
    func evaluate(_ plan: Blend, into out: UnsafeMutableBufferPointer<Float>) {
        let used = (plan.weight .!= 0) .| (plan.radiusWeight .!= 0)
        if let cache, cache.lock.try() {
            defer { cache.lock.unlock() }
            var bases = (cache.storage, cache.storage, cache.storage, cache.storage)
            for j in 0..<4 where used[j] {
                let slot = cache.slot(stream: plan.stream[j], index: plan.index[j], source: sourcePairs)
                let base = cache.storage + slot * cache.groups * 2
                switch j {
                case 0: bases.0 = base
                case 1: bases.1 = base
                case 2: bases.2 = base
                default: bases.3 = base
                }
            }
            combine(plan, used: used, into: out) { j, group in
                let base = j == 0 ? bases.0 : j == 1 ? bases.1 : j == 2 ? bases.2 : bases.3
                return (base[2 * group], base[2 * group + 1])
            }
        } else {
            combine(plan, used: used, into: out) { j, group in
                sourcePairs(stream: plan.stream[j], index: plan.index[j], firstPair: 4 * group)
            }
        }
    }

    /// The blend kernel: one pass writing `q` and summing norms (eight components at a time, in
    /// groups of four pairs), one scaling pass. `source(j, group)` returns group `group` of
    /// vector `j` as generated by ``GaussianStream/normalPairs(stream:index:firstPair:)``.
    @inline(__always)
    func combine(
        _ plan: Blend, used: SIMDMask<SIMD4<Int64>>, into out: UnsafeMutableBufferPointer<Float>,
        source: (Int, Int) -> (SIMD4<Double>, SIMD4<Double>)
    ) {
        let n = zDim
        // Per-lane partial sums; lane i sums the pairs ≡ i (mod 4). Reduced in a fixed order.
        var norms2 = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
        var q2 = SIMD4<Double>()
        let lanes = SIMD4<Int64>(0, 1, 2, 3)
        let count = Int64(n)
        var group = 0
        while 8 * group < n {
            // components 2(4·group + i) and 2(4·group + i) + 1 for lanes i = 0...3
            let evenIndex = (SIMD4<Int64>(repeating: Int64(4 * group)) &+ lanes) &* 2
            let evenValid = evenIndex .< count
            let oddValid = (evenIndex &+ 1) .< count
            var qEven = SIMD4<Double>()
            var qOdd = SIMD4<Double>()
            for j in 0..<4 where used[j] {
                var (even, odd) = source(j, group)
                even.replace(with: 0, where: .!evenValid)
                odd.replace(with: 0, where: .!oddValid)
                qEven += plan.weight[j] * even
                qOdd += plan.weight[j] * odd
                let squares = even * even + odd * odd
                switch j {
                case 0: norms2.0 += squares
                case 1: norms2.1 += squares
                case 2: norms2.2 += squares
                default: norms2.3 += squares
                }
            }
            q2 += qEven * qEven + qOdd * qOdd
            for lane in 0..<4 {
                let component = Int(evenIndex[lane])
                if component < n { out[component] = Float(qEven[lane]) }
                if component + 1 < n { out[component + 1] = Float(qOdd[lane]) }
            }
            group += 1
        }
        func total(_ v: SIMD4<Double>) -> Double { ((v[0] + v[1]) + v[2]) + v[3] }
        let norms = SIMD4(total(norms2.0), total(norms2.1), total(norms2.2), total(norms2.3)).squareRoot()
        let rho = total(plan.radiusWeight * norms)
        let length = total(q2).squareRoot()
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
            let v = sourceVector(stream: plan.stream[j], index: plan.index[j])
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

// MARK: - The keyframe on show

extension LatentPath {
    /// The keyframe whose face dominates show time `t`: the one with the largest radius weight in the
    /// blend (a sitter from the middle of its morph on is the next one; a drift or loop shows its nearest
    /// keyframe). For a loop it is in `0 ..< keyframes`. Allocates nothing.
    public func keyframeShown(at t: Double) -> Int64 {
        let plan = plainBlend(at: t)
        var best = 0
        for j in 1..<4 where plan.radiusWeight[j] > plan.radiusWeight[best] { best = j }
        return plan.index[best]
    }
}
