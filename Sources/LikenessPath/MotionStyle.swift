// MARK: - Motion styles

/// How a ``LatentPath`` moves through its keyframes.
///
/// All durations are in path seconds (show seconds times ``LatentPath/speed``).
public enum MotionStyle: Sendable, Equatable {
    /// A gallery of sitters: keyframe `k` holds for `hold` seconds, drifting slightly, then
    /// morphs into keyframe `k + 1` over `morph` seconds with eased timing.
    ///
    /// Sitter `k` is fully present on `[kT, kT + hold]` and morphs into sitter `k + 1` on
    /// `[kT + hold, (k + 1)T]`, where `T = hold + morph`. `morph == 0` gives hard cuts.
    case sitters(hold: Double, morph: Double)
    /// Continuous motion through a keyframe every `secondsPerKeyframe` seconds along a C¹
    /// Catmull–Rom spline, renormalized so the radius stays near √zDim.
    case drift(secondsPerKeyframe: Double)
    /// A closed C¹ path through `keyframes` keyframes that repeats every `period` seconds:
    /// `latent(t) == latent(t + period)` and the velocity is continuous across the seam.
    case loop(keyframes: Int, period: Double)
}

extension MotionStyle {
    /// Checks that the durations and counts make a path; throws a ``PathError`` that says which
    /// value is wrong and what would work.
    public func validate() throws(PathError) {
        switch self {
        case let .sitters(hold, morph):
            guard hold.isFinite, hold >= 0 else {
                throw .invalidDuration(name: "hold", value: hold, requirement: "a finite number of seconds >= 0")
            }
            guard morph.isFinite, morph >= 0 else {
                throw .invalidDuration(name: "morph", value: morph, requirement: "a finite number of seconds >= 0")
            }
            guard hold + morph > 0 else {
                throw .invalidDuration(name: "hold + morph", value: hold + morph, requirement: "more than 0 seconds")
            }
        case let .drift(secondsPerKeyframe):
            guard secondsPerKeyframe.isFinite, secondsPerKeyframe > 0 else {
                throw .invalidDuration(
                    name: "seconds_per_keyframe", value: secondsPerKeyframe, requirement: "a finite number of seconds > 0")
            }
        case let .loop(keyframes, period):
            guard keyframes >= 2, keyframes <= 1 << 20 else { throw .invalidKeyframeCount(keyframes) }
            guard period.isFinite, period > 0 else {
                throw .invalidDuration(name: "period", value: period, requirement: "a finite number of seconds > 0")
            }
        }
    }
}

extension MotionStyle: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .sitters(hold, morph): "sitters(hold: \(hold) s, morph: \(morph) s)"
        case let .drift(secondsPerKeyframe): "drift(\(secondsPerKeyframe) s per keyframe)"
        case let .loop(keyframes, period): "loop(\(keyframes) keyframes, period \(period) s)"
        }
    }
}
