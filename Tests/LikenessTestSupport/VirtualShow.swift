import Foundation
import LikenessMedia
import LikenessShow

// MARK: - A live show in virtual time

/// A frame source on a ``VirtualLoopClock``: `producers` threads that each take `paintSeconds` of virtual
/// time a frame, assigned by a real ``FramePlanner`` (wall clock, catch-up, commands) and painted by a real
/// ``FrameRenderer`` with a fake generator when taken, so a whole show runs in virtual time and its frames
/// are the ones a producer would paint. A stall (a hung model) holds the frames from `stallAt` on for
/// `stallSeconds`.
public final class ScriptedFrameSource: LiveFrameSource, @unchecked Sendable {
    public let producers: Int
    public let capacity: Int
    public let control = ProducerControl()
    public var error: (any Error)? { nil }
    private let clock: VirtualLoopClock
    private let paintSeconds: Double
    private let stall: (at: Int, seconds: Double)?
    private let renderer: FrameRenderer
    private let wallClock: @Sendable () -> Double
    private var planner: FramePlanner?
    private let fps: Double
    private let startFrame: Int
    /// The orders assigned and not taken, with the virtual time each is ready.
    private var orders: [(order: FrameOrder, ready: Double)] = []
    private var threadFree: [Double]
    private var lastReady = 0.0
    private let log: RenderTimes

    public init(clock: VirtualLoopClock, fps: Double, producers: Int = 2, capacity: Int = 6, paintSeconds: Double, startFrame: Int = 0,
                stall: (at: Int, seconds: Double)? = nil, wallClock: @escaping @Sendable () -> Double, log: RenderTimes = RenderTimes(),
                size: Int = 16) {
        self.clock = clock
        self.fps = fps
        self.producers = producers
        self.capacity = capacity
        self.paintSeconds = paintSeconds
        self.stall = stall
        self.wallClock = wallClock
        self.startFrame = startFrame
        self.log = log
        threadFree = [Double](repeating: 0, count: producers)
        renderer = FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 3, zDim: 8, period: nil), outputWidth: size, outputHeight: size)
    }

    public var queuedCount: Int { fill(); return orders.prefix { $0.ready <= clock.now() }.count }
    public var aheadCount: Int { fill(); return orders.count }
    public var nextUnassigned: Int { planner?.nextFrame ?? startFrame }
    public var productionRate: Double { Double(producers) / paintSeconds }

    public func start() {
        threadFree = [Double](repeating: clock.now(), count: producers)
        lastReady = clock.now()
        planner = FramePlanner(fps: fps, startFrame: startFrame, origin: wallClock() - Double(startFrame) / fps)
    }

    public func stop() { planner = nil }

    /// Assigns frames up to the depth; each thread paints one frame at a time, `paintSeconds` each, and frames
    /// are delivered in order.
    private func fill() {
        guard planner != nil else { return }
        while orders.count < capacity {
            let order = planner!.next(wall: wallClock(), pending: control.take(), nextKeyframe: { renderer.path.nextKeyframeTime(after: $0) })
            let thread = threadFree.indices.min { threadFree[$0] < threadFree[$1] } ?? 0
            var done = max(threadFree[thread], clock.now()) + paintSeconds
            if let stall, order.index == stall.at { done += stall.seconds }
            threadFree[thread] = done
            lastReady = max(lastReady, done)
            orders.append((order, lastReady))
        }
    }

    public func tryTake() -> FrameQueue.Item? {
        fill()
        guard let first = orders.first, first.ready <= clock.now() else { return nil }
        orders.removeFirst()
        var frame = Frame(width: renderer.outputWidth, height: renderer.outputHeight)
        renderer.render(first.order, into: &frame)
        log.append(index: first.order.index, time: clock.now(), order: first.order)
        return FrameQueue.Item(frame: frame, index: first.order.index, showTime: first.order.showTime, renderSeconds: paintSeconds,
                               producedAt: first.ready)
    }

    public func release(_ item: FrameQueue.Item) {}
}

/// The frames taken from scripted sources: their numbers, orders and virtual times.
public final class RenderTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(index: Int, time: Double, order: FrameOrder)] = []
    private var sources = 0
    public init() {}
    func append(index: Int, time: Double, order: FrameOrder) { lock.withLock { entries.append((index, time, order)) } }
    public var times: [Double] { lock.withLock { entries.map(\.time) } }
    public var orders: [FrameOrder] { lock.withLock { entries.map(\.order) } }
    /// Sources made so far (a factory counts them).
    public var sourcesMade: Int { lock.withLock { sources } }
    public func countSource() { lock.withLock { sources += 1 } }
}

/// A window in virtual time: remembers what was drawn and presented.
public final class RecordingSurface: LiveSurface {
    public let outputSize: (width: Int, height: Int)
    public var rendererName: String { "recording" }
    public private(set) var presents = 0
    public private(set) var pictures = 0
    public private(set) var last: LivePicture?
    public private(set) var fullscreenToggles = 0

    public init(width: Int = 64, height: Int = 64) {
        outputSize = (width, height)
    }

    public func draw(_ picture: LivePicture) throws {
        pictures += 1
        last = picture
    }

    public func present() { presents += 1 }
    public func toggleFullscreen() { fullscreenToggles += 1 }

    /// The frame as drawn (brightness and blackout applied), or the background.
    public func readPixels() throws -> Frame {
        guard let picture = last, let frame = picture.frame, !picture.blackout, picture.brightness > 0 else {
            return Frame(width: outputSize.width, height: outputSize.height)
        }
        return frame
    }
}

/// A display in virtual time: the test queues events, and optionally a callback runs once per poll.
public final class ScriptedDisplay: LiveDisplay {
    public var videoDriver: String { "virtual" }
    public private(set) var sleepAllowed: [Bool] = []
    private var queued: [LiveEvent] = []
    /// Called at each poll with the loop clock's time (post commands, queue keys).
    public var onPoll: ((ScriptedDisplay) -> Void)?

    public init() {}

    public func send(_ event: LiveEvent) { queued.append(event) }
    public func pollEvents() -> [LiveEvent] {
        onPoll?(self)
        defer { queued = [] }
        return queued
    }
    public func allowDisplaySleep(_ allowed: Bool) { sleepAllowed.append(allowed) }
}
