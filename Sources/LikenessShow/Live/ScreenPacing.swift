// MARK: - ScreenPacing

/// One screen's frame clock and its figures: when the window takes the next frame, how fast the show
/// clock runs, and what the overlay and the report say about it.
///
/// The window presents on its own clock (vsync); new frames are due `speed · fps` times a second. When
/// production keeps up, the speed is 1; when it cannot, the speed follows what it sustains, nudged by how
/// full the render-ahead queue is (aim: half full), so motion slows smoothly instead of stuttering. A
/// starved window never builds up a debt of frames (that would be a burst later). Pure: fed the time
/// since the last call and a way to take a frame.
public struct ScreenPacing: Sendable, Equatable {
    /// What the producer offers, read once per call.
    public struct Supply: Sendable, Equatable {
        /// Frames painted and waiting in order, and the most that may be ahead.
        public var queued: Int, capacity: Int
        /// Frames painted per second, all threads together (0: not known yet).
        public var productionRate: Double
        public init(queued: Int, capacity: Int, productionRate: Double) {
            self.queued = queued
            self.capacity = capacity
            self.productionRate = productionRate
        }
    }

    public let fps: Double
    /// Show-clock speed, 0…1.
    public private(set) var rate = 1.0
    /// New frames shown.
    public private(set) var shown = 0
    /// Smoothed rates: window loop iterations, new frames on screen, frames produced.
    public private(set) var presentRate = 0.0
    public private(set) var newFrameRate = 0.0
    public private(set) var productionRate = 0.0
    /// Smoothed seconds one thread took to paint a frame.
    public private(set) var renderSecondsEMA = 0.0
    private var renderSecondsSum = 0.0
    private var speedSum = 0.0
    private var advances = 0
    private var due = 1.0
    private var clock = 0.0
    private var lastNewFrameAt: Double?
    private var intervalSum = 0.0, intervalSquares = 0.0, intervalCount = 0

    public init(fps: Double) {
        precondition(fps > 0, "a frame clock needs fps > 0")
        self.fps = fps
    }

    /// Mean seconds a frame took to paint on its thread.
    public var meanRenderSeconds: Double { shown > 0 ? renderSecondsSum / Double(shown) : 0 }
    /// Mean show-clock speed while not paused.
    public var meanSpeed: Double { advances > 0 ? speedSum / Double(advances) : 1 }

    /// Evenness of motion: standard deviation / mean of the time between new frames (after the first second).
    public var intervalVariation: Double {
        guard intervalCount > 1 else { return 0 }
        let mean = intervalSum / Double(intervalCount)
        let variance = max(0, intervalSquares / Double(intervalCount) - mean * mean)
        return mean > 0 ? variance.squareRoot() / mean : 0
    }

    /// Moves the frame clock on by `dt` seconds and takes the frames that are due by calling `take`, which
    /// returns the taken frame's paint seconds (nil: none is ready). Returns how many were taken.
    @discardableResult
    public mutating func advance(dt: Double, paused: Bool, supply: Supply, take: () -> Double?) -> Int {
        presentRate = ema(presentRate, dt > 0 ? 1 / dt : 0, dt: dt, tau: 1)
        clock += dt
        if paused {
            lastNewFrameAt = nil
            return 0
        }
        due += dt * fps * rate
        var took = 0
        while due >= 1, let seconds = take() {
            renderSecondsEMA = renderSecondsEMA == 0 ? seconds : 0.9 * renderSecondsEMA + 0.1 * seconds
            renderSecondsSum += seconds
            if let previous = lastNewFrameAt, clock > 1, took == 0 {
                let interval = clock - previous
                intervalSum += interval
                intervalSquares += interval * interval
                intervalCount += 1
            }
            lastNewFrameAt = clock
            due -= 1
            shown += 1
            took += 1
        }
        if due > 1 { due = 1 }
        newFrameRate = ema(newFrameRate, dt > 0 ? Double(took) / dt : 0, dt: dt, tau: 1)
        productionRate = supply.productionRate
        if productionRate > 0 {
            let fill = Double(supply.queued) / Double(max(supply.capacity, 1))
            let target = min(1, max(0.02, productionRate / fps * (0.8 + 0.4 * fill)))
            rate = ema(rate, target, dt: dt, tau: 0.75)
        }
        speedSum += rate
        advances += 1
        return took
    }

    private func ema(_ old: Double, _ new: Double, dt: Double, tau: Double) -> Double {
        old + (new - old) * min(1, max(0, dt / tau))
    }
}
