import Foundation
import LikenessMedia

// MARK: - ProducerControl

/// Live changes for a running producer, posted by the frame loop and picked up before the next frame.
///
/// Thread-safe. Frames already waiting in the queue keep what they were painted with (at most the queue's
/// capacity, a tenth of a second in a window at 60 fps).
public final class ProducerControl: @unchecked Sendable {
    /// What the producer picks up: a new tempo, a skip to the next keyframe, a latent scale.
    public struct Pending: Sendable, Equatable {
        public var rate: Double?
        public var skipToNextKeyframe = false
        public var latentScale: Float?

        public init(rate: Double? = nil, skipToNextKeyframe: Bool = false, latentScale: Float? = nil) {
            self.rate = rate
            self.skipToNextKeyframe = skipToNextKeyframe
            self.latentScale = latentScale
        }
    }

    private let lock = NSLock()
    private var pending = Pending()

    public init() {}

    /// Show seconds per frame in units of `1 / fps` from the next frame on.
    public func setRate(_ rate: Double) {
        lock.withLock { pending.rate = rate }
    }

    /// Fast-forward to the next keyframe (next sitter).
    public func skipToNextKeyframe() {
        lock.withLock { pending.skipToNextKeyframe = true }
    }

    /// Multiply every latent by `scale` from the next frame on (a live truncation).
    public func setLatentScale(_ scale: Float) {
        lock.withLock { pending.latentScale = scale }
    }

    /// Takes what was posted since the last call.
    public func take() -> Pending {
        lock.withLock {
            let p = pending
            pending = Pending()
            return p
        }
    }
}

// MARK: - FrameProducer

/// The one producer of frames, for the window (the live show) and the headless outputs alike: `producers`
/// threads paint whole frames side by side, each with its own renderer (single-threaded models when there are
/// several), and the frames come out in order.
///
/// Render ahead: a ``FramePlanner`` assigns each frame its show time and settings when a thread takes it
/// on, at most `depth` frames ahead of the consumer (painted, being painted, or waiting to be taken), so a
/// live change posted to ``control`` lands on a frame at most `depth` frames after the one on screen.
/// With a `wallClock` (a live show) the planner keeps to it by the ``CatchUp`` rule. With `automaticDetail`
/// every thread measures the levels at start (side by side, as they will paint), the planner takes the
/// slowest figures and picks each frame's level for a budget of `producers / fps` seconds a thread.
/// Frames a consumer `release`s go back to a pool and are painted over; a frame someone still holds a copy
/// of is never written into (`Frame` is copy-on-write: painting a shared frame copies it first, and that
/// copy is counted in `framesAllocated`, so a test can see both the safety and the reuse).
/// Frames depend only on their orders, never on which thread painted them or when.
public final class FrameProducer: @unchecked Sendable {
    public typealias Item = FrameQueue.Item
    /// Makes a renderer on a producing thread (generators are created where they run).
    public typealias RendererFactory = @Sendable () throws -> FrameRenderer

    /// `detail = "auto"`: the policy's settings for one thread (budget `1 / fps`; the producer scales it by
    /// its threads), the crossfade's length, and where the level and stage times are published.
    public struct AutomaticDetail: Sendable {
        public var settings: AutoDetail.Settings
        public var fadeSeconds: Double
        public init(settings: AutoDetail.Settings, fadeSeconds: Double = 1) {
            self.settings = settings
            self.fadeSeconds = fadeSeconds
        }
    }

    /// Threads painting frames.
    public let producers: Int
    /// Frames assigned and not yet taken, at most.
    public let depth: Int
    /// Same as ``depth`` (the queue a consumer paces itself on).
    public var capacity: Int { depth }
    /// Live changes (tempo, skip, truncation), applied from the next frame assigned.
    public let control: ProducerControl
    /// Where stage times and the detail level are published (each thread's renderer records there).
    public let monitor: DetailMonitor?

    private let name: String
    private let fps: Double
    private let startFrame: Int
    private let origin: Double
    private let wallClock: (@Sendable () -> Double)?
    private let catchUp: CatchUp
    private let skipSeconds: Double
    private let count: Int?
    private let automaticDetail: AutomaticDetail?
    private let stopRequested: @Sendable () -> Bool
    private let clock: @Sendable () -> Double
    private let makeRenderer: RendererFactory
    private let failure = ErrorBox()
    private let finished = DispatchGroup()
    private let condition = NSCondition()

    // Guarded by `condition`.
    private var planner: FramePlanner?
    private var measurements: [StagePipeline.Measurement] = []
    private var threadsReady = 0
    private var threadsRunning = 0
    /// Painted frames waiting to be taken, in slot `index % depth`.
    private var ready: [Item?]
    /// The number of the next frame to take.
    private var nextToTake: Int
    private var pool: [Frame] = []
    private var closed = false
    private var started = false
    private var allocations = 0
    private var lastFinish: Double?
    private var finishInterval = 0.0

    /// - Parameters:
    ///   - producers: threads painting whole frames side by side.
    ///   - capacity: frames assigned ahead of the consumer, at most (the render-ahead depth; at least `producers`).
    ///   - startFrame, count: frames `startFrame ..< startFrame + count` (nil: until stopped).
    ///   - origin: the show time of frame 0 (`--at`); ignored with a `wallClock`.
    ///   - wallClock: the show time the wall clock says now; with it the producer starts there and
    ///     catches up by `catchUp` when it falls behind (a live show). Without it, frames keep frame time.
    ///   - skipSeconds: how long a skip to the next keyframe takes, in frame-clock seconds.
    ///   - automaticDetail: `detail = "auto"` (the renderers' pipelines must have level canvases).
    ///   - stopRequested: polled before each frame.
    ///   - clock: seconds on a monotonic clock, for the items' timing figures.
    public init(name: String, producers: Int = 1, capacity: Int, fps: Double, startFrame: Int = 0, count: Int? = nil,
                origin: Double = 0, wallClock: (@Sendable () -> Double)? = nil, catchUp: CatchUp = CatchUp(),
                skipSeconds: Double = 1.5, control: ProducerControl = ProducerControl(), automaticDetail: AutomaticDetail? = nil,
                monitor: DetailMonitor? = nil,
                stopRequested: @escaping @Sendable () -> Bool = { false },
                clock: @escaping @Sendable () -> Double = monotonicSeconds,
                makeRenderer: @escaping RendererFactory) {
        precondition(producers >= 1, "a producer needs at least one thread")
        self.name = name
        self.producers = producers
        depth = max(capacity, producers)
        self.fps = fps
        self.startFrame = startFrame
        self.origin = origin
        self.wallClock = wallClock
        self.catchUp = catchUp
        self.skipSeconds = skipSeconds
        self.count = count
        self.control = control
        self.automaticDetail = automaticDetail
        self.monitor = monitor
        self.stopRequested = stopRequested
        self.clock = clock
        self.makeRenderer = makeRenderer
        ready = [Item?](repeating: nil, count: max(capacity, producers))
        nextToTake = startFrame
    }

    deinit {
        stop()
    }

    /// Frame storage the producer had to allocate: new frames while the pool was empty, and copies of
    /// recycled frames that a consumer still held. In a steady state with every frame released, it stops growing.
    public var framesAllocated: Int {
        condition.withLock { allocations }
    }

    /// The error that stopped the producer, if any.
    public var error: (any Error)? { failure.get() }

    /// Painted frames waiting, in order, for the consumer.
    public var queuedCount: Int {
        condition.withLock { readyInOrderLocked() }
    }

    /// Frames assigned and not yet taken (waiting, or being painted).
    public var aheadCount: Int {
        condition.withLock { (planner?.nextFrame ?? nextToTake) - nextToTake }
    }

    /// The number the next frame assigned gets: a change posted to ``control`` now lands on it.
    public var nextUnassigned: Int {
        condition.withLock { planner?.nextFrame ?? startFrame }
    }

    /// Frames finished per second, all threads together (smoothed; 0 before two frames).
    public var productionRate: Double {
        condition.withLock { finishInterval > 0 ? 1 / finishInterval : 0 }
    }

    /// Starts the producing threads.
    public func start() {
        condition.withLock {
            started = true
            threadsRunning = producers
        }
        for i in 0..<producers {
            finished.enter()
            let thread = Thread { [self] in
                defer {
                    condition.withLock {
                        threadsRunning -= 1
                        condition.broadcast()
                    }
                    finished.leave()
                }
                do {
                    try produce()
                } catch {
                    failure.set(error)
                    close()
                }
            }
            thread.name = producers == 1 ? "likeness-\(name)" : "likeness-\(name)-\(i)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// One painting thread: its renderer, then frame after frame as the planner assigns them.
    private func produce() throws {
        let renderer = try makeRenderer()
        renderer.monitor = monitor
        let automatic = automaticDetail.flatMap { renderer.pipeline.levelsCanChange ? $0 : nil }
        if automatic != nil, condition.withLock({ threadsReady == 0 }) {
            monitor?.configure(pipeline: renderer.pipeline, automatic: true, measuredLevelSeconds: [],
                               budgetSeconds: Double(producers) / fps, measuring: true)
        }
        let measurement = automatic != nil ? renderer.measureLevels() : nil

        condition.lock()
        defer { condition.unlock() }
        if let measurement { measurements.append(measurement) }
        threadsReady += 1
        if threadsReady == producers {
            startPlanner(renderer.pipeline, automatic: automatic)
            condition.broadcast()
        }
        while planner == nil && !closed { condition.wait() }

        while true {
            while !closed && !exhaustedLocked() && planner.map({ $0.nextFrame - nextToTake >= depth }) ?? true { condition.wait() }
            if closed || exhaustedLocked() || stopRequested() { break }
            let order = planner!.next(wall: wallClock?(), pending: control.take(),
                                      nextKeyframe: { renderer.path.nextKeyframeTime(after: $0) })
            let shape = renderer.outputShape(for: order)
            var frame: Frame
            if let i = pool.lastIndex(where: { $0.width == shape.width && $0.height == shape.height }) {
                frame = pool.remove(at: i)
            } else {
                frame = Frame(width: shape.width, height: shape.height)
                allocations += 1
            }
            condition.unlock()

            let began = clock()
            let storage = frame.pixels.withUnsafeBufferPointer { $0.baseAddress }
            renderer.render(order, into: &frame)
            let copied = frame.pixels.withUnsafeBufferPointer { $0.baseAddress } != storage
            let now = clock()

            condition.lock()
            if copied { allocations += 1 }   // the recycled frame was still shared: copied, not overwritten
            planner?.finished(frameSeconds: now - began, now: now)
            if let last = lastFinish, now > last {
                finishInterval = finishInterval == 0 ? now - last : 0.9 * finishInterval + 0.1 * (now - last)
            }
            lastFinish = now
            ready[order.index % depth] = Item(frame: frame, index: order.index, showTime: order.showTime,
                                              renderSeconds: now - began, producedAt: now)
            condition.broadcast()
        }
    }

    /// The planner, once every thread has its renderer (a live show starts where the wall clock is then).
    private func startPlanner(_ pipeline: StagePipeline, automatic: AutomaticDetail?) {
        let origin = wallClock.map { $0() - Double(startFrame) / fps } ?? self.origin
        var planner = FramePlanner(fps: fps, startFrame: startFrame, origin: origin, catchUp: catchUp, skipSeconds: skipSeconds)
        if let automatic, let first = measurements.first {
            // The slowest thread's figures: the threads fight over memory, and every one must keep up.
            var slowest = first
            for m in measurements.dropFirst() {
                for k in slowest.modelStageSeconds.indices {
                    slowest.modelStageSeconds[k] = max(slowest.modelStageSeconds[k], m.modelStageSeconds[k])
                    slowest.lanczosSeconds[k] = max(slowest.lanczosSeconds[k], m.lanczosSeconds[k])
                    slowest.rgb8Seconds[k] = max(slowest.rgb8Seconds[k], m.rgb8Seconds[k])
                }
                slowest.measuringSeconds = max(slowest.measuringSeconds, m.measuringSeconds)
            }
            var settings = automatic.settings
            settings.budgetSeconds *= Double(producers)
            let controller = DetailLevelController(measurement: slowest, settings: settings, fadeSeconds: automatic.fadeSeconds, fps: fps)
            planner.detail = controller
            monitor?.configure(pipeline: pipeline, automatic: true, measuredLevelSeconds: slowest.levelSeconds,
                               budgetSeconds: settings.budgetSeconds, level: controller.level)
        } else if let monitor, monitor.snapshot() == nil {
            monitor.configure(pipeline: pipeline, automatic: false, measuredLevelSeconds: [], budgetSeconds: Double(producers) / fps)
        }
        self.planner = planner
    }

    private func exhaustedLocked() -> Bool {
        guard let count, let planner else { return false }
        return planner.nextFrame >= startFrame + count
    }

    private func readyInOrderLocked() -> Int {
        var n = 0
        while n < depth, ready[(nextToTake + n) % depth]?.index == nextToTake + n { n += 1 }
        return n
    }

    /// The next frame in order, waiting for it; nil once the producer finished (or failed, or was stopped)
    /// and nothing is left to take.
    public func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let item = popLocked() { return item }
            if closed || (threadsRunning == 0 && started) || (started && exhaustedLocked() && (planner?.nextFrame ?? 0) <= nextToTake) {
                return nil
            }
            condition.wait()
        }
    }

    /// The next frame in order if it is painted.
    public func tryTake() -> Item? {
        condition.withLock { popLocked() }
    }

    private func popLocked() -> Item? {
        let slot = nextToTake % depth
        guard let item = ready[slot], item.index == nextToTake else { return nil }
        ready[slot] = nil
        nextToTake += 1
        condition.broadcast()
        return item
    }

    /// Hands a frame back for painting over. Only release frames you no longer read (a copy kept elsewhere
    /// stays intact, at the cost of one allocation).
    public func release(_ item: Item) {
        condition.withLock {
            if pool.count < depth + producers + 2 { pool.append(item.frame) }
        }
    }

    private func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    /// Stops the threads and waits for them (frames not yet taken are dropped).
    public func stop() {
        let wasStarted = condition.withLock {
            let s = started
            started = false
            closed = true
            condition.broadcast()
            return s
        }
        guard wasStarted else { return }
        finished.wait()
    }
}
