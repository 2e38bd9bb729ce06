import Foundation

// MARK: - FrameOrder

/// One frame for a producer thread to paint: its number, its show time, and everything else that decides
/// its pixels (truncation, detail level and crossfade, a catch-up dissolve). A frame painted from an order
/// depends on nothing but the order, so any of a producer's threads may paint it.
public struct FrameOrder: Sendable, Equatable {
    /// Frame number from the start of the run (frames are delivered in this order).
    public var index: Int
    /// The show time it shows.
    public var showTime: Double
    /// Multiplies the latent (a live truncation, see ``FrameRenderer/render(at:latentScale:into:)``).
    public var latentScale: Float
    /// The detail level and crossfade to run (nil: the pipeline's one fixed level).
    public var detail: DetailSetting?
    /// A catch-up dissolve from an earlier picture into this one (nil: none).
    public var dissolve: Dissolve?

    /// Part of a dissolve: the picture it leaves, and how much of this frame's own picture shows.
    public struct Dissolve: Sendable, Equatable {
        /// Show time and latent scale of the picture the dissolve starts from (the frame the show was at).
        public var fromTime: Double
        public var fromLatentScale: Float
        /// Weight of this frame's own picture, in (0, 1).
        public var weight: Float
    }

    public init(index: Int, showTime: Double, latentScale: Float = 1, detail: DetailSetting? = nil, dissolve: Dissolve? = nil) {
        self.index = index
        self.showTime = showTime
        self.latentScale = latentScale
        self.detail = detail
        self.dissolve = dissolve
    }
}

/// Which detail level a frame runs, and the crossfade from the level below (see ``DetailFade``).
public struct DetailSetting: Sendable, Equatable {
    /// The level that runs (0: the generator alone).
    public var level: Int
    /// The weight of this level's picture over the level below's (nil: no crossfade).
    public var blendWeight: Float?
    /// The level a crossfade in progress leads to (for the overlay).
    public var fadingTo: Int?

    public init(level: Int, blendWeight: Float? = nil, fadingTo: Int? = nil) {
        self.level = level
        self.blendWeight = blendWeight
        self.fadingTo = fadingTo
    }
}

// MARK: - FramePlanner

/// Assigns show times to frames ahead of display: the one place a producer's frames are decided, however many
/// threads then paint them.
///
/// A pure value, owned by the producer under its lock. Each ``next(wall:pending:nextKeyframe:)`` assigns the next
/// frame number: it applies the ``CatchUp`` rule against the wall clock (a live show), then the live changes
/// posted since the last frame (``ProducerControl``: tempo, skip to the next sitter, truncation), so a command
/// takes effect from the first frame not yet assigned; then the detail level (``DetailLevelController``,
/// `detail = "auto"`) and any dissolve. Without a wall clock (frames, record) frame `k` shows
/// `origin + k / fps`, bit for bit.
public struct FramePlanner: Sendable {
    /// The show time of each frame.
    public private(set) var timeline: FrameTimeline
    public let catchUp: CatchUp
    /// Frames a skip to the next keyframe takes.
    public let skipFrames: Int
    /// The number the next order gets.
    public private(set) var nextFrame: Int
    /// The live truncation (1: the path's own).
    public private(set) var latentScale: Float = 1
    /// `detail = "auto"`: the level of each frame; nil: the pipeline's fixed level.
    public var detail: DetailLevelController?
    private var dissolve: (fromTime: Double, fromScale: Float, frames: Int, done: Int)?

    /// - Parameters:
    ///   - startFrame: the first frame's number; frame `startFrame` shows `origin + startFrame / fps`.
    ///   - skipSeconds: how long a skip to the next keyframe takes, in frame-clock seconds.
    public init(fps: Double, startFrame: Int = 0, origin: Double = 0, catchUp: CatchUp = CatchUp(), skipSeconds: Double = 1.5) {
        timeline = FrameTimeline(fps: fps, origin: origin)
        self.catchUp = catchUp
        skipFrames = max(1, Int((skipSeconds * fps).rounded()))
        nextFrame = startFrame
    }

    /// Whether a catch-up dissolve is under way (the detail level holds still through it).
    public var isDissolving: Bool { dissolve != nil }

    /// Assigns the next frame.
    ///
    /// - Parameters:
    ///   - wall: the wall clock's show time now (a live show); nil: frame time only.
    ///   - pending: live changes posted since the last call, applied from this frame on.
    ///   - nextKeyframe: the path's first keyframe after a show time.
    public mutating func next(wall: Double?, pending: ProducerControl.Pending = ProducerControl.Pending(),
                              nextKeyframe: (Double) -> Double?) -> FrameOrder {
        let k = nextFrame
        if let wall, dissolve == nil {
            switch catchUp.action(timeline: timeline, frame: k, wall: wall, nextKeyframe: nextKeyframe) {
            case .none: break
            case let .skip(target, frames):
                timeline.skip(to: target, fromFrame: k, over: frames)
            case let .dissolve(target, frames):
                // From the picture the show was at into the one the wall clock shows; the level holds meanwhile,
                // so both pictures have one size.
                dissolve = (timeline.time(ofFrame: k), latentScale, frames, 0)
                detail?.isHeld = true
                timeline.restart(at: target, fromFrame: k)
            }
        }
        if let rate = pending.rate { timeline.setRate(rate, fromFrame: k) }
        if let scale = pending.latentScale { latentScale = scale }
        // A person asking for the next sitter is answered even while a catch-up skip is under way (it can take
        // several seconds): the skip is planned again from this frame, to the keyframe at least a skip away.
        if pending.skipToNextKeyframe {
            let earliest = timeline.earliestSkipTarget(fromFrame: k, over: skipFrames)
            if let target = nextKeyframe(earliest) {
                timeline.skip(to: target, fromFrame: k, over: skipFrames)
            }
        }
        var order = FrameOrder(index: k, showTime: timeline.time(ofFrame: k), latentScale: latentScale, detail: detail?.assign())
        if let d = dissolve {
            order.dissolve = .init(fromTime: d.fromTime, fromLatentScale: d.fromScale, weight: Float(d.done + 1) / Float(d.frames + 1))
            if d.done + 1 < d.frames {
                dissolve = (d.fromTime, d.fromScale, d.frames, d.done + 1)
            } else {
                dissolve = nil
                detail?.isHeld = false
            }
        }
        nextFrame += 1
        return order
    }

    /// Counts a painted frame that took `frameSeconds` on its thread, finished at `now` (auto detail judges by it).
    public mutating func finished(frameSeconds: Double, now: Double) {
        detail?.observe(frameSeconds: frameSeconds, now: now)
    }
}
