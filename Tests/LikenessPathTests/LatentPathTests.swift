import Foundation
import Testing

import LikenessPath

// MARK: - Helpers

func norm(_ v: [Float]) -> Double {
    v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
}

func distance(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }.squareRoot()
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } / (norm(a) * norm(b))
}

func secondDifference(_ path: LatentPath, at t: Double, step h: Double) -> Double {
    let before = path.latent(at: t - h), here = path.latent(at: t), after = path.latent(at: t + h)
    return (0..<path.zDim).reduce(0.0) { sum, i in
        let d = Double(after[i]) - 2 * Double(here[i]) + Double(before[i])
        return sum + d * d
    }.squareRoot()
}

let allStyles: [MotionStyle] = [
    .sitters(hold: 3, morph: 1.5), .drift(secondsPerKeyframe: 2), .loop(keyframes: 5, period: 10),
]

// MARK: - Determinism

@Suite struct DeterminismTests {
    @Test(arguments: allStyles)
    func sameSeedGivesIdenticalBits(_ style: MotionStyle) {
        let a = LatentPath(seed: 1234, zDim: 96, style: style, truncation: 0.8)
        let b = LatentPath(seed: 1234, zDim: 96, style: style, truncation: 0.8)
        for t in stride(from: -5.0, through: 40.0, by: 0.37) {
            #expect(a.latent(at: t).map(\.bitPattern) == b.latent(at: t).map(\.bitPattern))
        }
    }

    /// Golden latent: the same bits on every run and every machine.
    @Test func goldenLatent() {
        let path = LatentPath(seed: 42, zDim: 8, style: .drift(secondsPerKeyframe: 2), truncation: 0.7)
        let bits = path.latent(at: 1234.567).map(\.bitPattern)
        #expect(bits == GoldenValues.seed42DriftLatent, "got \(bits.map { "0x" + String($0, radix: 16) })")
    }

    @Test(arguments: allStyles)
    func differentSeedsDiffer(_ style: MotionStyle) {
        let latents = (0..<8).map { LatentPath(seed: UInt64($0), zDim: 64, style: style).latent(at: 3.3) }
        for i in 0..<latents.count {
            for j in (i + 1)..<latents.count {
                #expect(abs(cosine(latents[i], latents[j])) < 0.6, "seeds \(i) and \(j)")
            }
        }
        let keyframes = (0..<8).map { LatentPath(seed: UInt64($0), zDim: 64, style: style).keyframe(0) }
        #expect(Set(keyframes.map { $0.map(\.bitPattern) }).count == 8)
    }

    /// Seeking straight to a time equals stepping there frame by frame: the path keeps no state,
    /// so frames evaluated in order, in reverse, on fresh instances or on other threads agree.
    @Test(arguments: allStyles)
    func seekingEqualsStepping(_ style: MotionStyle) async {
        let path = LatentPath(seed: 77, zDim: 65, style: style)
        let fps = 30.0
        var stepped = [[UInt32]]()
        var buffer = [Float](repeating: .nan, count: 65)
        for frame in 0..<300 {
            buffer.withUnsafeMutableBufferPointer { path.latent(at: LatentPath.time(ofFrame: frame, fps: fps), into: $0) }
            stepped.append(buffer.map(\.bitPattern))
        }
        for frame in stride(from: 299, through: 0, by: -7) {
            let fresh = LatentPath(seed: 77, zDim: 65, style: style)
            #expect(fresh.latent(at: LatentPath.time(ofFrame: frame, fps: fps)).map(\.bitPattern) == stepped[frame])
        }
        let concurrent = await withTaskGroup(of: (Int, [UInt32]).self) { group in
            for frame in [0, 45, 123, 299] {
                group.addTask { (frame, path.latent(at: LatentPath.time(ofFrame: frame, fps: fps)).map(\.bitPattern)) }
            }
            var results = [(Int, [UInt32])]()
            for await result in group { results.append(result) }
            return results
        }
        for (frame, bits) in concurrent { #expect(bits == stepped[frame]) }
    }

    @Test func frameTimes() {
        #expect(LatentPath.time(ofFrame: 0, fps: 30) == 0)
        #expect(LatentPath.time(ofFrame: 300, fps: 30) == 10)
        #expect(LatentPath.time(ofFrame: 250, fps: 25) == 10)
        #expect(LatentPath.time(ofFrame: 1, fps: 24) == 1.0 / 24)
    }
}

// MARK: - Controls

@Suite struct ControlTests {
    @Test(arguments: allStyles)
    func truncationScalesTowardTheMean(_ style: MotionStyle) {
        let full = LatentPath(seed: 5, zDim: 128, style: style)
        let half = LatentPath(seed: 5, zDim: 128, style: style, truncation: 0.5)
        let none = LatentPath(seed: 5, zDim: 128, style: style, truncation: 0)
        for t in [0.0, 1.1, 7.25, 19.9] {
            let z = full.latent(at: t), h = half.latent(at: t)
            var worst = 0.0
            for (full, half) in zip(z, h) {
                let expected = 0.5 * Double(full)
                worst = max(worst, abs(Double(half) - expected))
            }
            #expect(worst <= 1e-6, "worst |ψz − 0.5 z| = \(worst)")
            #expect(none.latent(at: t).allSatisfy { $0 == 0 })
        }
    }

    @Test(arguments: allStyles)
    func speedMultipliesTime(_ style: MotionStyle) {
        let normal = LatentPath(seed: 5, zDim: 32, style: style)
        let fast = LatentPath(seed: 5, zDim: 32, style: style, speed: 2)
        for t in [0.0, 0.8, 3.3, 12.0] {
            #expect(fast.latent(at: t) == normal.latent(at: 2 * t))
        }
    }

    @Test func loopPeriodInShowSeconds() {
        #expect(LatentPath(seed: 0, zDim: 4, style: .loop(keyframes: 4, period: 12), speed: 2).period == 6)
        #expect(LatentPath(seed: 0, zDim: 4, style: .drift(secondsPerKeyframe: 1)).period == nil)
    }

    @Test func invalidArgumentsThrowWithAHint() {
        let cases: [(Int, MotionStyle, Float, Double)] = [
            (0, .drift(secondsPerKeyframe: 1), 1, 1),
            (8, .drift(secondsPerKeyframe: 0), 1, 1),
            (8, .sitters(hold: -1, morph: 1), 1, 1),
            (8, .sitters(hold: 0, morph: 0), 1, 1),
            (8, .loop(keyframes: 1, period: 5), 1, 1),
            (8, .loop(keyframes: 4, period: .infinity), 1, 1),
            (8, .drift(secondsPerKeyframe: 1), -0.5, 1),
            (8, .drift(secondsPerKeyframe: 1), 1, 0),
        ]
        for (zDim, style, psi, speed) in cases {
            #expect(throws: PathError.self) {
                try LatentPath.validate(zDim: zDim, style: style, truncation: psi, speed: speed)
            }
            do {
                try LatentPath.validate(zDim: zDim, style: style, truncation: psi, speed: speed)
            } catch {
                #expect(error.description.contains("hint:"), "\(error)")
            }
        }
        #expect(throws: Never.self) {
            try LatentPath.validate(zDim: 128, style: .sitters(hold: 4, morph: 0), truncation: 0.7, speed: 0.5)
        }
    }

    @Test func showClockCountsSecondsFromTheEpoch() {
        let epoch = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = ShowClock(epoch: epoch)
        #expect(clock.showTime(at: epoch) == 0)
        #expect(clock.showTime(at: epoch.addingTimeInterval(90.5)) == 90.5)
        #expect(clock.showTime(at: epoch.addingTimeInterval(-3)) == -3)
        // Two kiosks with the same epoch and seed show the same face at the same moment.
        let now = Date()
        let path = LatentPath(seed: 9, zDim: 16, style: .sitters(hold: 5, morph: 2))
        #expect(path.latent(at: clock.showTime(at: now)) == path.latent(at: ShowClock(epoch: epoch).showTime(at: now)))
    }
}
