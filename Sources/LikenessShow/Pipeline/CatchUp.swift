// MARK: - CatchUp

/// How a live show that fell behind the wall clock gets back to it, without a jump in the middle of a sitter.
///
/// A live show's frame `k` should show the wall clock's show time (`[show] epoch`). When generation
/// cannot keep up, motion slows down smoothly (the window's frame clock) and the show falls behind.
/// Whenever it is more than ``tolerance`` behind, and at the exhibition's own tempo (a speed set live
/// leaves the wall clock on purpose), the producer shortens the way to the next keyframe: a smooth
/// fast-forward (``FrameTimeline/skip(to:fromFrame:over:)``, same speed at both ends) that lands exactly on
/// the next sitter and saves at most ``maximumShare`` of that way. Each keyframe can save some more,
/// so a small lag is gone within a sitter or two. A lag beyond ``dissolveBeyond`` (a long pause, a
/// machine that was suspended) is not walked through: the picture dissolves over ``dissolveSeconds``
/// from the last frame into the frame the wall clock shows.
public struct CatchUp: Sendable, Equatable {
    /// Seconds of lag that are left alone.
    public var tolerance: Double = 0.5
    /// The largest share of the time to the next keyframe that one fast-forward may save.
    public var maximumShare: Double = 0.5
    /// Seconds of lag above which the show dissolves to the wall clock instead.
    public var dissolveBeyond: Double = 60
    /// How long a dissolve takes, in seconds of frames.
    public var dissolveSeconds: Double = 1

    public init(tolerance: Double = 0.5, maximumShare: Double = 0.5, dissolveBeyond: Double = 60, dissolveSeconds: Double = 1) {
        self.tolerance = tolerance
        self.maximumShare = maximumShare
        self.dissolveBeyond = dissolveBeyond
        self.dissolveSeconds = dissolveSeconds
    }

    /// What the producer does before painting a frame.
    public enum Action: Sendable, Equatable {
        case none
        /// Fast-forward to `target` (a keyframe) over `frames` frames.
        case skip(to: Double, frames: Int)
        /// Restart the timeline at `target` and dissolve into it over `frames` frames.
        case dissolve(to: Double, frames: Int)
    }

    /// The action for frame `k` when the wall clock's show time is `wall`; `nextKeyframe(t)` is the path's
    /// first keyframe after `t`.
    public func action(timeline: FrameTimeline, frame k: Int, wall: Double, nextKeyframe: (Double) -> Double?) -> Action {
        guard timeline.rate == 1, !timeline.isSkipping(atFrame: k) else { return .none }
        let t = timeline.time(ofFrame: k)
        let lag = wall - t
        guard lag > tolerance else { return .none }
        if lag > dissolveBeyond {
            return .dissolve(to: wall, frames: max(1, Int((dissolveSeconds * timeline.fps).rounded())))
        }
        guard let keyframe = nextKeyframe(t), keyframe > t else { return .none }
        let span = keyframe - t
        let gain = min(lag, span * maximumShare)
        let frames = Int(((span - gain) * timeline.fps / timeline.rate).rounded(.down))
        guard frames >= 1, gain >= 1 / timeline.fps else { return .none }
        return .skip(to: keyframe, frames: frames)
    }
}
