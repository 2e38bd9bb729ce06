// MARK: - DetailLevelController

/// `[model] detail = "auto"` for one producer: applies ``AutoDetail``'s decisions to its pipeline, each as a
/// ``DetailFade``.
///
/// Lives on the producing thread inside its ``FrameRenderer``, which calls ``frameFinished(_:frameSeconds:now:)``
/// after every frame; the change it makes takes effect from the next frame, so the frame size a producer
/// asks for before painting is the one it paints. No judging during a crossfade (its frames cost both levels);
/// the policy starts a new window after it. Allocation-free per frame.
public final class DetailLevelController {
    public private(set) var policy: AutoDetail
    /// What the levels cost at start.
    public let measurement: StagePipeline.Measurement
    /// The crossfade in progress.
    public private(set) var fade: DetailFade?
    /// About how long a crossfade takes, in seconds.
    public let fadeSeconds: Double
    /// While true (the producer dissolves from a frame it kept), the level and any crossfade stay as they
    /// are, so every frame of the dissolve has one size.
    public var isHeld = false
    /// Smoothed seconds per frame, to give a crossfade about `fadeSeconds` of frames at the pace it will run.
    private var recentFrameSeconds = 0.0

    /// `level`: where to start instead of the longest level that fits.
    public init(measurement: StagePipeline.Measurement, settings: AutoDetail.Settings, fadeSeconds: Double = 1, level: Int? = nil) {
        self.measurement = measurement
        self.fadeSeconds = fadeSeconds
        policy = AutoDetail(levelSeconds: measurement.levelSeconds, settings: settings, level: level)
    }

    /// Puts `pipeline` at the level the policy picked at start.
    public func start(_ pipeline: StagePipeline) {
        precondition(pipeline.maximumLevel == policy.maximumLevel, "the measurement has \(policy.maximumLevel + 1) levels, the pipeline \(pipeline.maximumLevel + 1)")
        pipeline.setLevel(policy.level)
    }

    /// After a frame that took `frameSeconds`, finished at `now`: advances a crossfade, or asks the policy
    /// and starts one.
    public func frameFinished(_ pipeline: StagePipeline, frameSeconds: Double, now: Double) {
        recentFrameSeconds = recentFrameSeconds == 0 ? frameSeconds : 0.8 * recentFrameSeconds + 0.2 * frameSeconds
        guard !isHeld else { return }
        if var f = fade {
            f.advance()
            if f.isFinished {
                pipeline.setLevel(f.target)
                fade = nil
                policy.restart()
            } else {
                pipeline.blendWeight = f.nextUpperWeight
                fade = f
            }
            return
        }
        guard let decision = policy.observe(frameSeconds: frameSeconds, now: now) else { return }
        let from = decision == .stepUp ? policy.level - 1 : policy.level + 1
        let upper = max(from, policy.level)
        // The fade runs the upper level: its frames cost about that level's share of what frames cost now.
        let pace = recentFrameSeconds * policy.levelSeconds[upper] / max(policy.levelSeconds[from], 1e-9)
        let frames = DetailFade.frames(seconds: fadeSeconds, frameSeconds: pace, fps: 1 / policy.settings.budgetSeconds)
        let f = DetailFade(lower: upper - 1, direction: decision == .stepUp ? .up : .down, frames: frames)
        if decision == .stepUp { pipeline.setLevel(upper) }
        pipeline.blendWeight = f.nextUpperWeight
        fade = f
    }
}
