import Foundation
import LikenessMedia
import LikenessShow

// Stand-ins shared by the show and kiosk tests (a test-support target, so they exist once).

/// A generator stand-in: paints a picture that depends smoothly on the latent (no model needed).
///
/// Sample (c, y, x) = 0.8 * sin(z[c] + x * 0.1 * z[3] + y * 0.07) in [-1, 1], so nearby latents give nearby pictures.
public final class FakeGenerator: ImageGenerator {
    public let zDim: Int
    public let imageWidth: Int
    public let imageHeight: Int
    /// Seconds to sleep per frame, to simulate a slow model.
    public let delay: Double

    public init(zDim: Int = 8, width: Int = 16, height: Int = 16, delay: Double = 0) {
        self.zDim = zDim
        self.imageWidth = width
        self.imageHeight = height
        self.delay = delay
    }

    public func render(latents: UnsafeBufferPointer<Float>, into planes: UnsafeMutableBufferPointer<Float>) {
        precondition(latents.count == zDim && planes.count == imageWidth * imageHeight * 3)
        if delay > 0 { usleep(UInt32(delay * 1_000_000)) }
        for c in 0..<3 {
            for y in 0..<imageHeight {
                for x in 0..<imageWidth {
                    planes[(c * imageHeight + y) * imageWidth + x] = 0.8 * sin(latents[c] + Float(x) * 0.1 * latents[3] + Float(y) * 0.07)
                }
            }
        }
    }
}

/// A path stand-in: a smooth function of time and seed; with `period`, it loops exactly.
public struct FakePath: LatentSource {
    public let seed: UInt64
    public let zDim: Int
    public let period: Double?

    public init(seed: UInt64, zDim: Int, period: Double?) {
        self.seed = seed
        self.zDim = zDim
        self.period = period
    }

    public func latent(at t: Double, into out: UnsafeMutableBufferPointer<Float>) {
        let phase = period.map { 2 * Double.pi * t / $0 } ?? t * 0.5
        for i in 0..<zDim {
            out[i] = Float(sin(phase + Double(i) + Double(seed % 1000)) + 1)
        }
    }

    /// A keyframe every second.
    public func nextKeyframeTime(after t: Double) -> Double? {
        t.rounded(.down) + 1
    }

    /// The keyframe reached last.
    public func sitter(at t: Double) -> Int? {
        Int(t.rounded(.down))
    }
}

public let fakeGeneratorFactory: GeneratorFactory = { _ in FakeGenerator() }
public let fakePathFactory: PathFactory = { screen, motion, zDim in
    if case let .loop(_, period) = motion.style {
        return FakePath(seed: screen.seed, zDim: zDim, period: period / motion.speed)
    }
    return FakePath(seed: screen.seed, zDim: zDim, period: nil)
}

/// A sink that keeps frames in memory.
public final class MemorySink: FrameSink {
    public var frames: [Frame] = []
    public var finished = false
    public init() {}
    public func write(_ frame: Frame) throws(MediaError) { frames.append(frame) }
    public func finish() throws(MediaError) { finished = true }
}

/// The package root, found from this file.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
