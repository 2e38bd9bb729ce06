// MARK: - DetailLevelController

/// `[model] detail = "auto"` for one producer: turns ``AutoDetail``'s decisions into the level and crossfade
/// of each frame it assigns (each change a ``DetailFade``).
///
/// A pure value inside the producer's ``FramePlanner``: ``assign()`` gives the next frame's setting (every
/// frame carries its own, so the producer's threads may paint them in any order), ``observe(frameSeconds:now:)``
/// counts a painted frame's time on its thread. A change decided after a frame applies to the next frame
/// assigned. No judging during a crossfade (its frames cost both levels); the policy starts a new window after
/// it. Allocation-free.
public struct DetailLevelController: Sendable, Equatable {
    public private(set) var policy: AutoDetail
    /// What the levels cost at start.
    public let measurement: StagePipeline.Measurement
    /// The crossfade in progress.
    public private(set) var fade: DetailFade?
    /// About how long a crossfade takes, in seconds.
    public let fadeSeconds: Double
    /// The display's frames per second (a crossfade is never more than `fadeSeconds` of them).
    public let fps: Double
    /// While true (a catch-up dissolve), the level and any crossfade stay as they are.
    public var isHeld = false
    /// The level the next frame runs, and its crossfade weight.
    public private(set) var level: Int
    private var blendWeight: Float?
    /// Smoothed seconds per frame, to give a crossfade about `fadeSeconds` of frames at the pace it will run.
    private var recentFrameSeconds = 0.0

    /// - Parameters:
    ///   - settings: the policy's settings; its budget is the seconds one producer thread has per frame.
    ///   - fps: the display's frames per second.
    ///   - level: where to start instead of the longest level that fits.
    public init(measurement: StagePipeline.Measurement, settings: AutoDetail.Settings, fadeSeconds: Double = 1, fps: Double? = nil,
                level: Int? = nil) {
        self.measurement = measurement
        self.fadeSeconds = fadeSeconds
        self.fps = fps ?? 1 / settings.budgetSeconds
        policy = AutoDetail(levelSeconds: measurement.levelSeconds, settings: settings, level: level)
        self.level = policy.level
    }

    /// The setting of the next frame; moves a crossfade on by one frame.
    public mutating func assign() -> DetailSetting {
        let setting = DetailSetting(level: level, blendWeight: blendWeight, fadingTo: fade?.target)
        guard !isHeld, var f = fade else { return setting }
        f.advance()
        if f.isFinished {
            level = f.target
            blendWeight = nil
            fade = nil
            policy.restart()
        } else {
            blendWeight = f.nextUpperWeight
            fade = f
        }
        return setting
    }

    /// Counts a frame that took `frameSeconds` on its thread, finished at `now` (monotonic seconds); a change
    /// of level it brings starts a crossfade from the next frame assigned.
    public mutating func observe(frameSeconds: Double, now: Double) {
        recentFrameSeconds = recentFrameSeconds == 0 ? frameSeconds : 0.8 * recentFrameSeconds + 0.2 * frameSeconds
        guard !isHeld, fade == nil, let decision = policy.observe(frameSeconds: frameSeconds, now: now) else { return }
        let from = decision == .stepUp ? policy.level - 1 : policy.level + 1
        let upper = max(from, policy.level)
        // The fade runs the upper level: its frames cost about that level's share of what frames cost now, and
        // the producer's threads (budget · fps of them) paint that many at once.
        let pace = recentFrameSeconds * policy.levelSeconds[upper] / max(policy.levelSeconds[from], 1e-9)
        let threads = max(1, policy.settings.budgetSeconds * fps)
        let frames = DetailFade.frames(seconds: fadeSeconds, frameSeconds: pace / threads, fps: fps)
        let f = DetailFade(lower: upper - 1, direction: decision == .stepUp ? .up : .down, frames: frames)
        level = upper
        blendWeight = f.nextUpperWeight
        fade = f
    }
}
