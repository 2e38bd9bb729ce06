import LikenessEngine

// MARK: - LiveLanes

/// How a live show spreads its screens over the cores: per screen, how many producer threads paint whole
/// frames side by side, and how many threads each one's models get.
///
/// The cores are `[model] threads` (0: the engine's ``CompiledModel/automaticThreads``), shared evenly by the
/// screens. A screen with more than one core paints one frame per core, each with single-threaded models
/// (frame threading: no per-layer synchronisation, measured faster than splitting each layer, see
/// Docs/engine.md); a screen with one core paints on one thread. A pure rule, the one place the show decides it.
public struct LiveLanes: Sendable, Equatable {
    /// Producer threads per screen.
    public var producers: Int
    /// Threads each producer's models are planned with.
    public var threadsEach: Int

    public init(producers: Int, threadsEach: Int) {
        precondition(producers >= 1 && threadsEach >= 1, "at least one producer with one thread")
        self.producers = producers
        self.threadsEach = threadsEach
    }

    /// The lanes for `screens` screens with `threads` threads in all (0: `automaticThreads`).
    public static func forShow(threads: Int, screens: Int, automaticThreads: Int = CompiledModel.automaticThreads) -> LiveLanes {
        let total = threads > 0 ? threads : max(1, automaticThreads)
        let perScreen = max(1, total / max(1, screens))
        return LiveLanes(producers: perScreen, threadsEach: 1)
    }

    /// Frames assigned ahead of the one on screen: enough to keep every thread busy with one waiting, but few
    /// enough that a command (speed, next sitter, truncation) is on screen within a tenth of a second: posted
    /// while frame `j` shows, it lands on a frame no later than `j + depth + 1` (the frames already assigned,
    /// and one a thread may take on in the same instant), so `depth + 1` frames must fit 100 ms.
    public func depth(fps: Double) -> Int {
        max(producers + 1, min(Int((0.1 * fps).rounded(.down)) - 1, 2 * producers + 2))
    }
}
