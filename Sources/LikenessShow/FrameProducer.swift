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

/// The one producer of frames: a thread that paints frame after frame into a bounded queue, for the window
/// (ShowRunner) and the headless outputs (HeadlessRenderer) alike.
///
/// Frame `k` shows `timeline.time(ofFrame: k)` (`origin + k / fps` unless the live show changed it). With a
/// `wallClock` (a live show) the producer keeps to it by the ``CatchUp`` rule. Frames a consumer
/// `release`s go back to a pool and are painted over; a frame someone still holds a copy of is never written
/// into (`Frame` is copy-on-write: painting a shared frame copies it first, and that copy is counted in
/// `framesAllocated`, so a test can see both the safety and the reuse).
public final class FrameProducer: @unchecked Sendable {
    public typealias Item = FrameQueue.Item
    /// Makes the renderer on the producing thread (generators are created where they run).
    public typealias RendererFactory = @Sendable () throws -> FrameRenderer

    /// Frames waiting at most.
    public var capacity: Int { queue.capacity }
    /// Frames waiting now.
    public var queuedCount: Int { queue.count }
    /// Live changes (tempo, skip, truncation).
    public let control: ProducerControl

    private let name: String
    private let queue: FrameQueue
    private let fps: Double
    private let startFrame: Int
    private let origin: Double
    private let wallClock: (@Sendable () -> Double)?
    private let catchUp: CatchUp
    private let count: Int?
    private let frameStride: Int
    private let skipFrames: Int
    private let stopRequested: @Sendable () -> Bool
    private let clock: @Sendable () -> Double
    private let makeRenderer: RendererFactory
    private let failure = ErrorBox()
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var started = false
    private var allocations = 0

    /// - Parameters:
    ///   - startFrame, count: frames `startFrame ..< startFrame + count` (nil: until stopped).
    ///   - frameStride: paint every `frameStride`-th of those frames only (`startFrame`, `startFrame + frameStride`, …),
    ///     for frame threading: one producer per thread, each painting its share. Frame time only (no `wallClock`).
    ///   - origin: the show time of frame 0 (`--at`); ignored with a `wallClock`.
    ///   - wallClock: the show time the wall clock says now; with it the producer starts there and
    ///     catches up by `catchUp` when it falls behind (a live show). Without it, frames keep frame time.
    ///   - skipSeconds: how long a skip to the next keyframe takes, in frame-clock seconds.
    ///   - stopRequested: polled before each frame.
    ///   - clock: seconds on a monotonic clock, for the items' timing figures.
    public init(name: String, capacity: Int, fps: Double, startFrame: Int = 0, count: Int? = nil, frameStride: Int = 1,
                origin: Double = 0, wallClock: (@Sendable () -> Double)? = nil, catchUp: CatchUp = CatchUp(),
                skipSeconds: Double = 1.5, control: ProducerControl = ProducerControl(),
                stopRequested: @escaping @Sendable () -> Bool = { false },
                clock: @escaping @Sendable () -> Double = monotonicSeconds,
                makeRenderer: @escaping RendererFactory) {
        self.name = name
        queue = FrameQueue(capacity: capacity)
        self.fps = fps
        self.startFrame = startFrame
        self.origin = origin
        self.wallClock = wallClock
        self.catchUp = catchUp
        precondition(frameStride >= 1 && (frameStride == 1 || wallClock == nil), "a frame stride needs frame time")
        self.count = count
        self.frameStride = frameStride
        skipFrames = max(1, Int((skipSeconds * fps).rounded()))
        self.control = control
        self.stopRequested = stopRequested
        self.clock = clock
        self.makeRenderer = makeRenderer
    }

    deinit {
        stop()
    }

    /// Frame storage the producer had to allocate: new frames while the pool was empty, and copies of
    /// recycled frames that a consumer still held. In a steady state with every frame released, it stops growing.
    public var framesAllocated: Int {
        lock.withLock { allocations }
    }

    /// The error that stopped the producer, if any.
    public var error: (any Error)? { failure.get() }

    /// Starts the producing thread.
    public func start() {
        lock.withLock { started = true }
        let thread = Thread { [self] in
            defer {
                queue.close()
                done.signal()
            }
            do {
                try produce()
            } catch {
                failure.set(error)
            }
        }
        thread.name = "likeness-\(name)"
        thread.stackSize = 4 << 20
        thread.start()
    }

    private func produce() throws {
        let renderer = try makeRenderer()
        var k = startFrame
        // A live show starts where the wall clock is (measured after the model loaded).
        var timeline = FrameTimeline(fps: fps, origin: wallClock.map { $0() - Double(k) / fps } ?? origin)
        var latentScale: Float = 1
        var dissolve: (from: Frame, frames: Int, done: Int)?
        while count.map({ k < startFrame + $0 }) ?? true {
            if stopRequested() || queue.isClosed { break }
            if let wallClock {
                switch catchUp.action(timeline: timeline, frame: k, wall: wallClock(), nextKeyframe: renderer.path.nextKeyframeTime(after:)) {
                case .none: break
                case let .skip(target, frames):
                    timeline.skip(to: target, fromFrame: k, over: frames)
                case let .dissolve(target, frames):
                    // From the frame the show was at into the one the wall clock shows (one render, one frame allocated);
                    // the detail level holds until the dissolve ends, so every frame of it has that frame's size.
                    renderer.holdsDetailLevel = true
                    var from = renderer.makeFrame()
                    renderer.render(at: timeline.time(ofFrame: k), latentScale: latentScale, into: &from)
                    lock.withLock { allocations += 1 }
                    timeline.restart(at: target, fromFrame: k)
                    dissolve = (from, frames, 0)
                }
            }
            let pending = control.take()
            if let rate = pending.rate { timeline.setRate(rate, fromFrame: k) }
            if let scale = pending.latentScale { latentScale = scale }
            if pending.skipToNextKeyframe, !timeline.isSkipping(atFrame: k) {
                let earliest = timeline.earliestSkipTarget(fromFrame: k, over: skipFrames)
                if let target = renderer.path.nextKeyframeTime(after: earliest) {
                    timeline.skip(to: target, fromFrame: k, over: skipFrames)
                }
            }
            let began = clock()
            var frame: Frame
            if let reused = queue.reusableFrame(width: renderer.outputWidth, height: renderer.outputHeight) {
                frame = reused
            } else {
                frame = renderer.makeFrame()
                lock.withLock { allocations += 1 }
            }
            let storage = frame.pixels.withUnsafeBufferPointer { $0.baseAddress }
            let t = timeline.time(ofFrame: k)
            renderer.render(at: t, latentScale: latentScale, into: &frame)
            if let d = dissolve {
                frame.blend(from: d.from, amount: Float(d.done + 1) / Float(d.frames + 1))
                dissolve = d.done + 1 < d.frames ? (d.from, d.frames, d.done + 1) : nil
                if dissolve == nil { renderer.holdsDetailLevel = false }
            }
            if frame.pixels.withUnsafeBufferPointer({ $0.baseAddress }) != storage {
                lock.withLock { allocations += 1 }   // the recycled frame was still shared: copied, not overwritten
            }
            let now = clock()
            if !queue.put(Item(frame: frame, index: k, showTime: t, renderSeconds: now - began, producedAt: now)) { break }
            k += frameStride
        }
    }

    /// The next frame, waiting for one; nil once the producer finished (or failed) and the queue is empty.
    public func take() -> Item? { queue.take() }

    /// The next frame if one is waiting.
    public func tryTake() -> Item? { queue.tryTake() }

    /// Hands a frame back for painting over. Only release frames you no longer read (a copy kept elsewhere
    /// stays intact, at the cost of one allocation).
    public func release(_ item: Item) { queue.recycle(item.frame) }

    /// Stops the thread and waits for it (frames still queued are dropped).
    public func stop() {
        let wasStarted = lock.withLock {
            let s = started
            started = false
            return s
        }
        guard wasStarted else { return }
        queue.close()
        done.wait()
    }
}

// MARK: - Frame + blend

extension Frame {
    /// `self = other · (1 − amount) + self · amount`, per channel, rounded (a dissolve from `other` into `self`).
    mutating func blend(from other: Frame, amount: Float) {
        precondition(other.width == width && other.height == height, "a dissolve needs frames of one size")
        let a = max(0, min(1, amount))
        other.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for i in dst.indices {
                    dst[i] = UInt8((Float(src[i]) + (Float(dst[i]) - Float(src[i])) * a).rounded())
                }
            }
        }
    }
}
