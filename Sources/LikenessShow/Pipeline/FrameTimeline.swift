// MARK: - FrameTimeline

/// The show time of each frame a producer paints: frame `k` at `origin + k / fps` until the live show changes it.
///
/// A pure value owned by the producing thread. Two live changes keep the motion continuous:
/// - `setRate(_:fromFrame:)`: from frame `k` on, each frame advances `rate / fps` show seconds (re-anchored
///   at `time(ofFrame: k)`, so there is no jump);
/// - `skip(to:fromFrame:over:)`: fast-forward from `time(ofFrame: k)` to a later show time over `n` frames
///   along a cubic Hermite curve whose slope at both ends is the normal `rate / fps`, so the path neither
///   jumps nor jerks; with the target at least `n · rate / fps` ahead, the curve is monotone (Fritsch and
///   Carlson 1980: α = β ≤ 1 < 3), so time never runs backwards, and it lands on the target exactly.
/// - `restart(at:fromFrame:)`: from frame `k` on, count from another show time (a dissolve to where the wall
///   clock is, see ``CatchUp``).
/// Without changes `time(ofFrame: k) == origin + Double(k) / fps`, bit for bit (frames and record depend on
/// it; the origin is 0 for them unless `--at` moves it, and the wall clock's show time at start for a live show).
public struct FrameTimeline: Sendable, Equatable {
    /// Frames per second of the frame clock.
    public let fps: Double
    /// Show seconds per frame, in units of `1 / fps` (1 = the exhibition's tempo).
    public private(set) var rate: Double = 1
    private var anchorFrame = 0
    private var anchorTime = 0.0
    private var skipping: Skip?

    struct Skip: Sendable, Equatable {
        var startFrame: Int, frames: Int, startTime: Double, endTime: Double
    }

    public init(fps: Double, origin: Double = 0) {
        precondition(fps > 0 && fps.isFinite, "fps must be a finite number > 0")
        precondition(origin.isFinite, "origin must be finite")
        self.fps = fps
        anchorTime = origin
    }

    /// From frame `k` on, frame `k + i` shows `time + i · rate / fps` (a skip under way ends).
    public mutating func restart(at time: Double, fromFrame k: Int) {
        precondition(time.isFinite, "time must be finite")
        skipping = nil
        anchorFrame = k
        anchorTime = time
    }

    /// Whether a skip is under way at frame `k`.
    public func isSkipping(atFrame k: Int) -> Bool {
        skipping.map { k >= $0.startFrame && k < $0.startFrame + $0.frames } ?? false
    }

    /// The show time of frame `k`.
    public func time(ofFrame k: Int) -> Double {
        if let s = skipping, k >= s.startFrame, k < s.startFrame + s.frames {
            let u = Double(k - s.startFrame) / Double(s.frames)
            let slope = rate / fps * Double(s.frames)   // dt/du at both ends
            let u2 = u * u, u3 = u2 * u
            let h00 = 2 * u3 - 3 * u2 + 1, h10 = u3 - 2 * u2 + u, h01 = -2 * u3 + 3 * u2, h11 = u3 - u2
            return h00 * s.startTime + h10 * slope + h01 * s.endTime + h11 * slope
        }
        return anchorTime + Double(k - anchorFrame) * rate / fps
    }

    /// From frame `k` on, advance `rate / fps` show seconds per frame (a skip under way ends at `k`).
    public mutating func setRate(_ newRate: Double, fromFrame k: Int) {
        precondition(newRate > 0 && newRate.isFinite, "rate must be a finite number > 0")
        let t = time(ofFrame: k)
        skipping = nil
        anchorFrame = k
        anchorTime = t
        rate = newRate
    }

    /// Fast-forwards from frame `k` to show time `target` over `frames` frames (then on at `rate`).
    ///
    /// - Precondition: `target >= time(ofFrame: k) + frames * rate / fps` (use `skipTarget` to choose one).
    public mutating func skip(to target: Double, fromFrame k: Int, over frames: Int) {
        precondition(frames >= 1, "a skip takes at least one frame")
        let t0 = time(ofFrame: k)
        precondition(target >= t0 + Double(frames) * rate / fps - 1e-9, "a skip must go at least as far as the normal tempo would")
        skipping = Skip(startFrame: k, frames: frames, startTime: t0, endTime: target)
        anchorFrame = k + frames
        anchorTime = target
    }

    /// The earliest show time a skip from frame `k` over `frames` frames may aim at: where the normal tempo ends up.
    public func earliestSkipTarget(fromFrame k: Int, over frames: Int) -> Double {
        time(ofFrame: k) + Double(frames) * rate / fps
    }
}
