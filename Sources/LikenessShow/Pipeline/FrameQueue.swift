import Foundation
import LikenessMedia

// MARK: - FrameQueue

/// A bounded, blocking queue of rendered frames between a generating thread and a consumer,
/// with a pool that hands consumed frame buffers back to the producer (no allocation in steady state).
public final class FrameQueue: @unchecked Sendable {
    /// One rendered frame and where it sits in show time.
    public struct Item: Sendable {
        public var frame: Frame
        /// Frame number from the start of the run.
        public var index: Int
        /// Show time of the frame, seconds.
        public var showTime: Double
        /// How long the producer took to render it, seconds.
        public var renderSeconds: Double
        /// Monotonic time when it was finished, seconds.
        public var producedAt: Double

        public init(frame: Frame, index: Int, showTime: Double, renderSeconds: Double, producedAt: Double) {
            self.frame = frame
            self.index = index
            self.showTime = showTime
            self.renderSeconds = renderSeconds
            self.producedAt = producedAt
        }
    }

    /// Most frames waiting at once.
    public let capacity: Int
    private let condition = NSCondition()
    /// Waiting items from `head` on; taken slots are cleared at once, so a taken frame's storage is referenced
    /// only by its taker (a recycled frame can then be painted over in place instead of copied).
    private var items: [Item?] = []
    private var head = 0
    private var pool: [Frame] = []
    private var closed = false

    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        items.reserveCapacity(capacity * 2)
    }

    /// Frames waiting now.
    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }

    /// Whether `close()` was called.
    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Adds a frame, waiting while the queue is full. Returns false (dropping the frame) once closed.
    @discardableResult
    public func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Takes the oldest frame, waiting for one; nil once closed and empty.
    public func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head == 0 && !closed { condition.wait() }
        return popLocked()
    }

    /// Takes the oldest frame if there is one.
    public func tryTake() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        return popLocked()
    }

    /// Wakes everyone; producers stop, consumers drain what is left.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Gives a consumed frame's storage back for reuse.
    public func recycle(_ frame: Frame) {
        condition.lock()
        if pool.count < capacity + 2 { pool.append(frame) }
        condition.unlock()
    }

    /// A recycled frame of the given size, if one is available.
    public func reusableFrame(width: Int, height: Int) -> Frame? {
        condition.lock()
        defer { condition.unlock() }
        while let frame = pool.popLast() {
            if frame.width == width && frame.height == height { return frame }
        }
        return nil
    }

    private func popLocked() -> Item? {
        guard items.count - head > 0 else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > capacity {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }
}

/// Seconds on a monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
