import Foundation
import Testing

import LikenessPath

// MARK: - Philox4x32-10

@Suite struct PhiloxTests {
    /// Random123 `kat_vectors`: counter (4 words), key (2 words), expected (4 words).
    static let knownAnswers: [(SIMD4<UInt32>, (UInt32, UInt32), SIMD4<UInt32>)] = [
        (SIMD4(0, 0, 0, 0), (0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
        (SIMD4(repeating: 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
         SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
        (SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
         SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ]

    @Test(arguments: 0..<3)
    func knownAnswer(_ i: Int) {
        let (counter, key, expected) = Self.knownAnswers[i]
        let philox = Philox4x32(key0: key.0, key1: key.1)
        #expect(philox.block(counter) == expected)
    }

    @Test func seedSplitsIntoKeyWords() {
        let philox = Philox4x32(seed: 0x299f_31d0_a409_3822)
        #expect(philox.key0 == 0xa409_3822 && philox.key1 == 0x299f_31d0)
    }
}

// MARK: - Portable elementary functions

@Suite struct PortableMathTests {
    @Test func logMatchesPlatform() {
        var worst = 0.0
        var x = 0x1p-53
        while x <= 4 {
            for step in 0..<64 {
                let y = x * (1 + Double(step) / 64)
                let ours = PortableMath.log(y)
                let reference = Foundation.log(y)
                worst = max(worst, abs(ours - reference) / max(abs(reference), 1e-300))
                if reference == 0 { #expect(ours == 0) }
            }
            x *= 2
        }
        #expect(PortableMath.log(1) == 0)
        #expect(worst < 4e-16, "worst relative error \(worst)")
    }

    @Test func sinCosMatchesPlatform() {
        var worst = 0.0
        for i in 0...100_000 {
            let x = Double(i) / 100_000 * 4  // quarter turns in [0, 4]
            let (s, c) = PortableMath.sinCos(quarterTurns: x)
            let angle = x * Double.pi / 2
            worst = max(worst, abs(s - Foundation.sin(angle)), abs(c - Foundation.cos(angle)))
        }
        #expect(worst < 1e-15, "worst absolute error \(worst)")
    }

    @Test(arguments: [(0.0, 0.0, 1.0), (1.0, 1.0, 0.0), (2.0, 0.0, -1.0), (3.0, -1.0, 0.0), (-1.0, -1.0, 0.0)])
    func sinCosIsExactAtQuarterTurns(_ x: Double, _ sine: Double, _ cosine: Double) {
        let (s, c) = PortableMath.sinCos(quarterTurns: x)
        #expect(s == sine && c == cosine)
    }
}

// MARK: - Gaussian streams

@Suite struct GaussianStreamTests {
    /// Golden samples: any change to the generator, the transform or the arithmetic shows here.
    /// The same bits must come out on every machine (x86_64 and arm64, Linux and macOS).
    @Test func goldenSamples() {
        let stream = GaussianStream(seed: 42)
        let bits = stream.vector(stream: 0, index: 0, count: 6).map(\.bitPattern)
        #expect(bits == GoldenValues.seed42Keyframe0, "got \(bits.map { "0x" + String($0, radix: 16) })")
        let later = stream.vector(stream: 1, index: -7, count: 3).map(\.bitPattern)
        #expect(later == GoldenValues.seed42DriftMinus7, "got \(later.map { "0x" + String($0, radix: 16) })")
    }

    @Test func vectorsArePrefixesOfLongerOnes() {
        let stream = GaussianStream(seed: 7)
        let long = stream.vector(stream: 0, index: 3, count: 513)
        let short = stream.vector(stream: 0, index: 3, count: 128)
        #expect(Array(long.prefix(128)) == short)
        #expect(stream.normal(stream: 0, index: 3, component: 511) == long[511])
    }

    /// A million samples: mean, variance and a Kolmogorov–Smirnov test against Φ.
    ///
    /// Bounds: |mean| < 4/√N, |variance − 1| < 4√(2/N), KS statistic D < 1.628/√N (the 1% critical
    /// value). The samples are deterministic, so this either always passes or always fails.
    @Test func millionSamplesAreStandardNormal() {
        let stream = GaussianStream(seed: 2026)
        let perVector = 1000
        var samples = [Double]()
        samples.reserveCapacity(1_000_000)
        for k in 0..<1000 {
            samples += stream.vector(stream: 0, index: Int64(k), count: perVector)
        }
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / n
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        #expect(abs(mean) < 4 / n.squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1) < 4 * (2 / n).squareRoot(), "variance \(variance)")

        samples.sort()
        var d = 0.0
        for (i, x) in samples.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            d = max(d, Double(i + 1) / n - cdf, cdf - Double(i) / n)
        }
        #expect(d < 1.628 / n.squareRoot(), "Kolmogorov–Smirnov D = \(d)")
        #expect(samples.first! > -8.6 && samples.last! < 8.6)
    }

    /// Pearson correlation between paired values; `|r| < 4/√N` for independent samples.
    static func correlation(_ pairs: [(Double, Double)]) -> Double {
        let n = Double(pairs.count)
        let mx = pairs.reduce(0) { $0 + $1.0 } / n
        let my = pairs.reduce(0) { $0 + $1.1 } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in pairs {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
            syy += (y - my) * (y - my)
        }
        return sxy / (sxx * syy).squareRoot()
    }

    enum Neighbour: String, CaseIterable {
        case nextKeyframe, boxMullerPartner, driftStream, nextSeed
    }

    /// No correlation between neighbouring keyframes, Box–Muller partners, streams or seeds.
    @Test(arguments: Neighbour.allCases)
    func neighboursAreUncorrelated(_ neighbour: Neighbour) {
        let dim = 256
        let a = GaussianStream(seed: 99)
        let b = GaussianStream(seed: 100)
        var pairs = [(Double, Double)]()
        var worstSingle = 0.0
        var meanSquaredScaled = 0.0  // mean of n·r² over vectors: ≈ 1 for independent samples
        let vectors = 800
        for k in 0..<vectors {
            var x = a.vector(stream: 0, index: Int64(k), count: dim)
            var y: [Double]
            switch neighbour {
            case .nextKeyframe: y = a.vector(stream: 0, index: Int64(k + 1), count: dim)
            case .boxMullerPartner:
                y = stride(from: 1, to: dim, by: 2).map { x[$0] }
                x = stride(from: 0, to: dim, by: 2).map { x[$0] }
            case .driftStream: y = a.vector(stream: 1, index: Int64(k), count: dim)
            case .nextSeed: y = b.vector(stream: 0, index: Int64(k), count: dim)
            }
            let single = zip(x, y).map { ($0, $1) }
            let r = Self.correlation(single)
            worstSingle = max(worstSingle, abs(r))
            meanSquaredScaled += Double(single.count) * r * r / Double(vectors)
            pairs += single
        }
        let r = Self.correlation(pairs)
        let perVector = Double(pairs.count / vectors)
        #expect(abs(r) < 4 / Double(pairs.count).squareRoot(), "pooled correlation \(r)")
        // max of 800 |N(0, 1/n)|: 5 standard deviations is a 1-in-2000 event.
        #expect(worstSingle < 5 / perVector.squareRoot(), "worst single-vector correlation \(worstSingle)")
        // n·r² is ≈ χ²₁ per vector: its mean over 800 vectors is 1 ± 0.05 (sd); allow ±0.25.
        #expect(abs(meanSquaredScaled - 1) < 0.25, "mean n·r² = \(meanSquaredScaled)")
    }
}
