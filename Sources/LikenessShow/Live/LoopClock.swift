import Foundation

// MARK: - LoopClock

/// The live loop's time: a monotonic clock, the wall-clock date, and a sleep.
///
/// The show runs on ``SystemLoopClock``. Tests inject a ``VirtualLoopClock``, whose sleep moves time on at
/// once (as swift-nio's `EmbeddedEventLoop.advanceTime`), so a closing time, a hung generator or a minute
/// of watchdog pings take no wall time to test and do not depend on how busy the machine is.
public protocol LoopClock: AnyObject, Sendable {
    /// Seconds on a monotonic clock.
    func now() -> Double
    /// The wall-clock date now (the show's timeline and the schedule read it).
    func date() -> Date
    /// Returns once `now() >= deadline` (at once when it has passed).
    func sleep(until deadline: Double)
}

/// The machine's clocks: `CLOCK_MONOTONIC`, `Date()`, `usleep`.
public final class SystemLoopClock: LoopClock {
    public init() {}
    public func now() -> Double { monotonicSeconds() }
    public func date() -> Date { Date() }
    public func sleep(until deadline: Double) {
        let wait = deadline - monotonicSeconds()
        if wait > 0 { usleep(UInt32(min(wait, 1) * 1_000_000)) }
    }
}

/// Time that moves only when told: `sleep(until:)` and ``advance(by:)`` move it on at once. Thread-safe.
public final class VirtualLoopClock: LoopClock, @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double
    private let startDate: Date
    private let start: Double

    /// A clock at `now` monotonic seconds, whose wall clock reads `date` then.
    public init(now: Double = 1000, date: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        seconds = now
        start = now
        startDate = date
    }

    public func now() -> Double { lock.withLock { seconds } }
    public func date() -> Date { startDate.addingTimeInterval(now() - start) }
    public func sleep(until deadline: Double) {
        lock.withLock { seconds = max(seconds, deadline) }
    }

    /// Moves time on by `delta` seconds.
    public func advance(by delta: Double) {
        precondition(delta >= 0, "virtual time only moves forward")
        lock.withLock { seconds += delta }
    }
}
