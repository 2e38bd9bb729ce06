import Foundation

// MARK: - DetailMonitor

/// What a producer's pipeline is doing, for the overlay: milliseconds per stage, the detail level, a crossfade.
///
/// Thread-safe. The producing thread records after every frame, in place and without allocating; the
/// window's loop takes a ``Snapshot`` a few times a second (that copy allocates, on its thread).
public final class DetailMonitor: @unchecked Sendable {
    /// One reading.
    public struct Snapshot: Sendable, Equatable {
        /// The timed steps: the generator, each detail stage, `lanczos`, `crossfade`, `rgb8`.
        public var names: [String]
        /// Smoothed milliseconds of each step; nil where it did not run in the last frame.
        public var milliseconds: [Double?]
        /// The level the last frame ran (0 = the generator alone), and the highest.
        public var level: Int
        public var maximumLevel: Int
        /// Whether the level is chosen by `detail = "auto"` (else every stage runs).
        public var automatic: Bool
        /// The level a crossfade in progress leads to.
        public var fadingTo: Int?
        /// Milliseconds per frame of each level, measured at start (auto only).
        public var measuredLevelMilliseconds: [Double]
        /// The frame budget, `1000 / [window] fps` ms.
        public var budgetMilliseconds: Double
        /// Changes of level since the producer started.
        public var levelChanges = 0
        /// Whether auto is still measuring the levels (no frame yet).
        public var measuring = false

        public init(names: [String], milliseconds: [Double?], level: Int, maximumLevel: Int, automatic: Bool,
                    fadingTo: Int? = nil, measuredLevelMilliseconds: [Double] = [], budgetMilliseconds: Double) {
            self.names = names
            self.milliseconds = milliseconds
            self.level = level
            self.maximumLevel = maximumLevel
            self.automatic = automatic
            self.fadingTo = fadingTo
            self.measuredLevelMilliseconds = measuredLevelMilliseconds
            self.budgetMilliseconds = budgetMilliseconds
        }

        /// "detail 1/2 auto", the stages that ran with their milliseconds, and with auto what each level measured.
        public var overlayLines: [String] {
            if measuring { return ["detail auto: measuring levels 0-\(maximumLevel) on this machine"] }
            var first: String
            if maximumLevel == 0 {
                first = automatic ? "detail none: auto found no detail stages beside the generator" : "detail none"
            } else {
                first = "detail \(level)/\(maximumLevel)\(automatic ? " auto" : " (every listed stage)")"
                let running = names.prefix(level + 1).dropFirst()
                first += running.isEmpty ? ": generator alone" : ": " + running.joined(separator: ", ")
                if let fadingTo { first += ", crossfading to \(fadingTo)/\(maximumLevel)" }
                if levelChanges > 0 { first += ", \(levelChanges) change\(levelChanges == 1 ? "" : "s")" }
            }
            var steps: [String] = []
            var total = 0.0
            for (name, ms) in zip(names, milliseconds) {
                guard let ms else { continue }
                steps.append(String(format: "%@ %.1f", name, ms))
                total += ms
            }
            var lines = [first, "ms " + steps.joined(separator: ", ") + String(format: " = %.1f of %.1f", total, budgetMilliseconds)]
            if automatic && !measuredLevelMilliseconds.isEmpty {
                let levels = measuredLevelMilliseconds.enumerated().map { String(format: "%d: %.1f", $0.offset, $0.element) }
                lines.append("measured ms per level " + levels.joined(separator: ", ") + String(format: " (picks <= %.1f)", budgetMilliseconds * 0.8))
            }
            return lines
        }
    }

    private let lock = NSLock()
    private var state: Snapshot?

    public init() {}

    /// Sets what the producer runs (at its start; allocates). `measuring`: auto is about to measure the levels.
    /// `level`: the level the first frame runs (nil: the pipeline's).
    public func configure(pipeline: StagePipeline, automatic: Bool, measuredLevelSeconds: [Double], budgetSeconds: Double,
                          measuring: Bool = false, level: Int? = nil) {
        var fresh = Snapshot(names: pipeline.timingNames, milliseconds: [Double?](repeating: nil, count: pipeline.timingNames.count),
                             level: level ?? pipeline.level, maximumLevel: pipeline.maximumLevel, automatic: automatic,
                             measuredLevelMilliseconds: measuredLevelSeconds.map { $0 * 1000 }, budgetMilliseconds: budgetSeconds * 1000)
        fresh.measuring = measuring
        lock.withLock { state = fresh }
    }

    /// Records the frame `pipeline` just painted (smoothed over about ten frames); in place, no allocation.
    public func record(_ pipeline: StagePipeline, fadingTo: Int?) {
        lock.lock()
        defer { lock.unlock() }
        guard state != nil else { return }
        let n = min(state?.milliseconds.count ?? 0, pipeline.stageSeconds.count)
        for i in 0..<n {
            if pipeline.stageRan[i] {
                let ms = pipeline.stageSeconds[i] * 1000
                let old = state?.milliseconds[i]
                state?.milliseconds[i] = old.map { 0.9 * $0 + 0.1 * ms } ?? ms
            } else {
                state?.milliseconds[i] = nil
            }
        }
        if state?.level != pipeline.level { state?.levelChanges += 1 }
        state?.level = pipeline.level
        state?.fadingTo = fadingTo
    }

    /// The latest reading (nil before the producer started); a copy of its own.
    public func snapshot() -> Snapshot? {
        lock.withLock {
            guard var copy = state else { return nil }
            copy.milliseconds = copy.milliseconds.map { $0 }
            return copy
        }
    }
}
