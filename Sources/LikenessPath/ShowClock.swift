import Foundation

// MARK: - Show clock

/// Wall clock → show time: seconds since the show's epoch.
///
/// A kiosk that restarts resumes where the show would be, and two machines with the same seed,
/// epoch and synchronised clocks (NTP) show the same face at the same moment. Show time before
/// the epoch is negative; paths are defined there too.
public struct ShowClock: Sendable {
    /// The instant at which show time is 0.
    public let epoch: Date

    /// A clock for a show that started (or starts) at `epoch`.
    public init(epoch: Date) {
        self.epoch = epoch
    }

    /// Seconds of show time at `date` (now by default).
    public func showTime(at date: Date = Date()) -> Double {
        date.timeIntervalSince(epoch)
    }
}
