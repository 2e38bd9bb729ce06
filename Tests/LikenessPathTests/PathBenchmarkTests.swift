import Testing

import LikenessPath

// MARK: - Micro-benchmark (prints, never asserts on time)

@Suite struct PathBenchmarkTests {
    /// Cost of `latent(at:into:)` at zDim 512 against a 10 ms frame (the shipped model takes
    /// 10–20 ms per frame on a 2-core CPU; the target is under 1 %, i.e. 100 µs).
    ///
    /// Meaningful in a release build: `swift test -c release --filter PathBenchmarkTests`.
    @Test(arguments: allStyles)
    func latentCostAtZDim512(_ style: MotionStyle) {
        let path = LatentPath(seed: 1, zDim: 512, style: style)
        var buffer = [Float](repeating: 0, count: 512)
        let iterations = 2000
        let clock = ContinuousClock()
        var checksum: Float = 0
        let elapsed = clock.measure {
            buffer.withUnsafeMutableBufferPointer { out in
                for i in 0..<iterations {
                    path.latent(at: Double(i) / 30, into: out)
                    checksum += out[i % 512]
                }
            }
        }
        let micros = Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6
        let perCall = micros / Double(iterations)
        print("LikenessPath bench: \(style) zDim 512: \(perCall) µs per latent = \(perCall / 100) % of a 10 ms frame (checksum \(checksum))")
        #expect(checksum.isFinite)
    }
}
