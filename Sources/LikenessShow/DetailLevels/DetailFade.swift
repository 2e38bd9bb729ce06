// MARK: - DetailFade

/// A crossfade between two adjacent detail levels, over a fixed number of frames, so a change of level never pops.
///
/// During the fade the pipeline runs the upper level (`lower + 1`) and blends the lower level's picture
/// into it (``StagePipeline/blendWeight``): the lower picture is the upper run's intermediate planes
/// (stage `lower`'s output) resampled onto the upper level's canvas, so both pictures are exact.
/// Fading up the pipeline switches to the upper level at once and the weight of its picture rises from
/// 0 to 1; fading down it keeps running the upper level for the fade's frames while the weight falls
/// from 1 to 0, and only then switches to the lower level. (Fading down is done because the upper level
/// was too slow; those extra frames are the price of not popping, about a second.)
///
/// The weight follows smoothstep, `3x² − 2x³` of the fade's progress `x = i / frames` for its frames
/// `i = 1 … frames`: the frame before the fade is the old level exactly, the last frame of the fade
/// the new level exactly (weights 0 and 1 are exact in floats), and the change starts and ends gently.
public struct DetailFade: Sendable, Equatable {
    public enum Direction: Sendable, Equatable {
        case up, down
    }

    /// The lower of the two levels; the other is `lower + 1`, the level the pipeline runs during the fade.
    public let lower: Int
    public let direction: Direction
    /// Frames the fade takes, at least 1.
    public let frames: Int
    /// Frames of the fade painted so far.
    public private(set) var framesDone = 0

    public init(lower: Int, direction: Direction, frames: Int) {
        precondition(lower >= 0 && frames >= 1, "a fade from level \(lower) over \(frames) frames")
        self.lower = lower
        self.direction = direction
        self.frames = frames
    }

    /// The level the fade ends on.
    public var target: Int { direction == .up ? lower + 1 : lower }
    /// The level it started from.
    public var origin: Int { direction == .up ? lower : lower + 1 }
    /// Whether its last frame was painted.
    public var isFinished: Bool { framesDone >= frames }

    /// The upper level's weight in the fade's frame `i` (0 = before the fade, `frames` = its last frame).
    public func upperWeight(frame i: Int) -> Float {
        let x = Double(min(max(i, 0), frames)) / Double(frames)
        let rising = Float(x * x * (3 - 2 * x))
        return direction == .up ? rising : 1 - rising
    }

    /// The upper level's weight in the next frame to paint.
    public var nextUpperWeight: Float { upperWeight(frame: framesDone + 1) }

    /// Counts one painted frame.
    public mutating func advance() {
        framesDone = min(framesDone + 1, frames)
    }

    /// Frames for a fade of about `seconds` of wall time at the producer's pace (`frameSeconds` a frame),
    /// never more than `seconds` of frames at `fps`, never fewer than 3 (a change is never one step).
    public static func frames(seconds: Double, frameSeconds: Double, fps: Double) -> Int {
        let atPace = seconds / max(frameSeconds, 1 / max(fps, 1))
        return max(3, min(Int((seconds * fps).rounded()), Int(atPace.rounded())))
    }

    // MARK: Blending planes

    /// `upper[i] = lower[i] · (1 − w) + upper[i] · w`, eight floats at a time (`w` = `upperWeight`, 0…1):
    /// `w = 1` leaves `upper` as it is and `w = 0` makes it `lower`, exactly.
    ///
    /// - Precondition: both buffers hold the same number of floats.
    public static func blend(lower: UnsafeBufferPointer<Float>, into upper: UnsafeMutableBufferPointer<Float>, upperWeight w: Float) {
        precondition(lower.count == upper.count, "a crossfade blends pictures of one size: \(lower.count) and \(upper.count) floats")
        guard let l = lower.baseAddress, let u = upper.baseAddress else { return }
        let n = upper.count
        let keep = SIMD8<Float>(repeating: 1 - w), take = SIMD8<Float>(repeating: w)
        var i = 0
        while i + 8 <= n {
            let a = UnsafeRawPointer(l + i).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(u + i).storeBytes(of: a * keep + b * take, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            u[i] = l[i] * (1 - w) + u[i] * w
            i += 1
        }
    }

    /// The naive twin of ``blend(lower:into:upperWeight:)``, one float at a time.
    public static func blendReference(lower: [Float], upper: [Float], upperWeight w: Float) -> [Float] {
        precondition(lower.count == upper.count, "a crossfade blends pictures of one size")
        return zip(lower, upper).map { $0 * (1 - w) + $1 * w }
    }
}
