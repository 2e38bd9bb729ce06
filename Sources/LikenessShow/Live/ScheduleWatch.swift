import Foundation

// MARK: - ScheduleWatch

/// Opening hours in the live loop: reads the ``Schedule`` four times a second (calendar arithmetic has no
/// place in every 60 Hz iteration) and moves the ``Curtain``. Pure: the loop passes its monotonic time
/// and a way to read the wall-clock date.
public struct ScheduleWatch: Sendable, Equatable {
    public private(set) var curtain: Curtain
    /// What the schedule said at the last look.
    public private(set) var isOpen: Bool
    /// Seconds between looks at the schedule.
    public let interval: Double
    private var lastCheck: Double

    /// A watch for a show starting at `now`, whose schedule says `isOpen` then.
    public init(schedule: Schedule, isOpen: Bool, now: Double, interval: Double = 0.25) {
        curtain = Curtain(open: isOpen, fade: schedule.fade, outside: schedule.outside)
        self.isOpen = isOpen
        self.interval = interval
        lastCheck = now
    }

    /// Whether the last call looked at the schedule (the loop logs what changed then, a few times a second).
    public private(set) var looked = false

    /// Moves to `now`: looks at `schedule` when a look is due, then moves the curtain; returns what the loop must do.
    public mutating func update(schedule: Schedule, now: Double, date: () -> Date, framesReady: Bool) -> [Curtain.Change] {
        looked = now - lastCheck >= interval
        if looked {
            isOpen = schedule.isOpen(at: date())
            lastCheck = now
        }
        return curtain.update(isOpen: isOpen, now: now, framesReady: framesReady)
    }

    /// How much of the portrait shows at `now`, 0 … 1.
    public func brightness(at now: Double) -> Double { curtain.brightness(at: now) }

    /// "opens Tue 10:00 (Europe/Paris)" or "closes 18:00"; empty when the schedule never changes.
    public static func nextChangeText(_ schedule: Schedule, after date: Date) -> String {
        guard let change = schedule.nextChange(after: date) else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = schedule.timeZone
        formatter.dateFormat = "EEE d MMM HH:mm"
        let verb = schedule.isOpen(at: date) ? "closes" : "opens"
        return "\(verb) \(formatter.string(from: change)) (\(schedule.timeZone.identifier))"
    }
}
