// MARK: - AutoDetail

/// How `[model] detail = "auto"` picks the detail level of a live show, and when it changes it: a pure
/// policy, fed the measured cost of each level and then the time of every frame.
///
/// At start: the longest prefix of the chain whose measured cost per frame fits ``Settings/headroom`` of
/// the frame budget (`1 / [window] fps`, for the producer with its share of the cores; level 0 when not
/// even the generator fits). While the show runs, frame times are averaged over windows of
/// ``Settings/behindSeconds``: a window whose mean is over the budget (the producer cannot keep up,
/// so the show slows and falls behind the wall clock) steps down one level. A level steps up only after
/// ``Settings/stepUpSeconds`` in which every window predicts that the next level would fit the headroom
/// (the mean now, times that level's measured cost over this one's). Hysteresis: going down needs 100 %
/// of the budget, going up a prediction under 80 %, and each step down from a level doubles the
/// stretch of headroom it takes to climb back to it (up to ``Settings/maximumStepUpSeconds``), so a
/// level that does not hold is not retried every minute.
///
/// Allocation-free per frame (`observe` only does arithmetic).
public struct AutoDetail: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Seconds per frame the producer has: `1 / [window] fps`.
        public var budgetSeconds: Double
        /// A level is picked (or climbed to) when its cost is at most this share of the budget.
        public var headroom: Double
        /// A window of frames this long whose mean time is over the budget steps down.
        public var behindSeconds: Double
        /// Headroom for the next level for this long steps up (doubled after each step down from that level).
        public var stepUpSeconds: Double
        /// The longest wait for a step up.
        public var maximumStepUpSeconds: Double

        public init(budgetSeconds: Double, headroom: Double = 0.8, behindSeconds: Double = 2, stepUpSeconds: Double = 60,
                    maximumStepUpSeconds: Double = 1800) {
            precondition(budgetSeconds > 0 && headroom > 0 && behindSeconds > 0 && stepUpSeconds > 0, "auto detail needs positive settings")
            self.budgetSeconds = budgetSeconds
            self.headroom = headroom
            self.behindSeconds = behindSeconds
            self.stepUpSeconds = stepUpSeconds
            self.maximumStepUpSeconds = maximumStepUpSeconds
        }
    }

    /// A change of level for the producer to make (by a crossfade).
    public enum Decision: Sendable, Equatable {
        /// The show fell behind: one level down.
        case stepDown
        /// A long stretch of headroom: one level up.
        case stepUp
    }

    public let settings: Settings
    /// Measured seconds per frame of each level (0 = the generator alone), at start.
    public let levelSeconds: [Double]
    /// The level in use.
    public private(set) var level: Int

    /// The window of frames being averaged: its start, and the frame seconds and count so far.
    private var windowStart: Double?
    private var windowSum = 0.0
    private var windowFrames = 0
    /// Start of the unbroken run of windows with headroom for the next level.
    private var headroomSince: Double?
    /// For each level, the stretch of headroom it takes to climb to it.
    private var stepUpWait: [Double]

    /// The longest prefix whose cost fits `headroom · budget`: the largest `k` with `levelSeconds[0...k]` all fitting
    /// (0 when even level 0 does not: the show then runs the generator alone, as slowly as it must).
    public static func longestFitting(levelSeconds: [Double], budgetSeconds: Double, headroom: Double) -> Int {
        var level = 0
        for k in levelSeconds.indices.dropFirst() {
            guard levelSeconds[k] <= headroom * budgetSeconds else { break }
            level = k
        }
        return level
    }

    /// Starts at the longest fitting level (or at `level`, e.g. the one a restarted producer had).
    public init(levelSeconds: [Double], settings: Settings, level: Int? = nil) {
        precondition(!levelSeconds.isEmpty, "auto detail needs at least level 0")
        precondition(level.map { levelSeconds.indices.contains($0) } ?? true, "no level \(level ?? 0) of \(levelSeconds.count)")
        self.settings = settings
        self.levelSeconds = levelSeconds
        self.level = level ?? Self.longestFitting(levelSeconds: levelSeconds, budgetSeconds: settings.budgetSeconds, headroom: settings.headroom)
        stepUpWait = [Double](repeating: settings.stepUpSeconds, count: levelSeconds.count)
    }

    /// The highest level.
    public var maximumLevel: Int { levelSeconds.count - 1 }

    /// The stretch of headroom it now takes to climb to `level`.
    public func stepUpWait(toLevel level: Int) -> Double { stepUpWait[level] }

    /// Counts one frame that took `frameSeconds`, finished at `now` (seconds on a monotonic clock); returns
    /// a change of level when one is due (``level`` is already the new one).
    public mutating func observe(frameSeconds: Double, now: Double) -> Decision? {
        guard let start = windowStart else {
            windowStart = now
            windowSum = frameSeconds
            windowFrames = 1
            return nil
        }
        windowSum += frameSeconds
        windowFrames += 1
        guard now - start >= settings.behindSeconds else { return nil }
        let mean = windowSum / Double(windowFrames)
        windowStart = now
        windowSum = 0
        windowFrames = 0
        if mean > settings.budgetSeconds, level > 0 {
            stepUpWait[level] = min(settings.maximumStepUpSeconds, stepUpWait[level] * 2)
            level -= 1
            restart()
            return .stepDown
        }
        guard level < maximumLevel else { return nil }
        let predicted = mean * levelSeconds[level + 1] / max(levelSeconds[level], 1e-9)
        guard predicted <= settings.headroom * settings.budgetSeconds else {
            headroomSince = nil
            return nil
        }
        let since = headroomSince ?? start
        headroomSince = since
        guard now - since >= stepUpWait[level + 1] else { return nil }
        level += 1
        restart()
        return .stepUp
    }

    /// Forgets the frames seen so far (after a change of level and its crossfade, whose frames say nothing
    /// about either level alone): the next frame starts a new window.
    public mutating func restart() {
        windowStart = nil
        windowSum = 0
        windowFrames = 0
        headroomSince = nil
    }
}
