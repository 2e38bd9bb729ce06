import Foundation

// MARK: - Show clock

/// Wall clock → show time: seconds since the show's epoch (`[show] epoch`).
///
/// A kiosk that restarts resumes where the show would be, and two machines with the same seed,
/// epoch and synchronised clocks (NTP) show the same face at the same moment, with no protocol
/// between them. Show time before the epoch is negative; paths are defined there too.
public struct ShowClock: Sendable, Equatable {
    /// The instant at which show time is 0.
    public let epoch: Date
    /// Seconds added to the wall clock's show time (a preview of another moment, `show --at`).
    public let offset: TimeInterval

    /// A clock for a show that started (or starts) at `epoch`.
    public init(epoch: Date, offset: TimeInterval = 0) {
        self.epoch = epoch
        self.offset = offset
    }

    /// A clock that shows `moment` at `launch` and runs on from there (`likeness show --at`).
    public static func previewing(_ moment: Date, epoch: Date, launchedAt launch: Date = Date()) -> ShowClock {
        ShowClock(epoch: epoch, offset: moment.timeIntervalSince(launch))
    }

    /// Seconds of show time at `date` (now by default).
    public func showTime(at date: Date = Date()) -> Double {
        date.timeIntervalSince(epoch) + offset
    }

    /// The moment of the timeline shown at `date`: `date` itself, or the previewed moment (`--at`) moved on.
    public func moment(at date: Date = Date()) -> Date {
        epoch.addingTimeInterval(showTime(at: date))
    }

    /// The wall-clock instant this clock maps to show time `t`.
    public func date(atShowTime t: Double) -> Date {
        epoch.addingTimeInterval(t - offset)
    }
}
