// MARK: - Curtain

/// Opening and closing a live show by its ``Schedule``, for the frame loop. Pure: the loop tells it the
/// time, whether the schedule says open and whether every screen has a fresh frame; it says how bright the
/// portraits are and when to stop or start generating.
///
/// Closing: the portraits fade to the background (or to the card) over `fade` seconds, then the
/// producers stop, so the CPU idles, and a black screen may sleep. Opening: the producers start at the
/// wall clock's show time and the first fresh frames fade in (never a stale frame from before closing).
public struct Curtain: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case open
        case closing(since: Double)
        case closed
        /// Producers started; the fade begins once every screen has a fresh frame.
        case opening(since: Double?)
    }

    /// What the loop does on a change of phase.
    public enum Change: Sendable, Equatable {
        case stopProducers
        case startProducers
        /// Let the display sleep (true, closed with `outside = "black"`) or keep it awake (false).
        case displaySleep(Bool)
    }

    public private(set) var phase: Phase
    public let fade: Double
    public let outside: Schedule.Outside

    /// A curtain for a show starting now, open or not.
    public init(open: Bool, fade: Double, outside: Schedule.Outside) {
        phase = open ? .open : .closed
        self.fade = fade
        self.outside = outside
    }

    /// Whether the producers should be running.
    public var generating: Bool {
        switch phase {
        case .open, .closing, .opening: return true
        case .closed: return false
        }
    }

    /// How much of the portrait shows, 0 … 1.
    public func brightness(at now: Double) -> Double {
        switch phase {
        case .open: return 1
        case .closed, .opening(nil): return 0
        case let .closing(since): return fade > 0 ? max(0, min(1, 1 - (now - since) / fade)) : 0
        case let .opening(since?): return fade > 0 ? max(0, min(1, (now - since) / fade)) : 1
        }
    }

    /// Moves to `now`; returns what the loop must do.
    public mutating func update(isOpen: Bool, now: Double, framesReady: Bool) -> [Change] {
        switch phase {
        case .open:
            if !isOpen { phase = .closing(since: now); return update(isOpen: isOpen, now: now, framesReady: framesReady) }
        case let .closing(since):
            if isOpen {
                // Reopened during the fade: fade back in from the brightness reached.
                phase = .opening(since: now - brightness(at: now) * fade)
                return update(isOpen: isOpen, now: now, framesReady: framesReady)
            }
            if now - since >= fade {
                phase = .closed
                return [.stopProducers] + (outside == .black ? [.displaySleep(true)] : [])
            }
        case .closed:
            if isOpen {
                phase = .opening(since: nil)
                return (outside == .black ? [.displaySleep(false)] : []) + [.startProducers]
            }
        case let .opening(since):
            if !isOpen {
                phase = .closing(since: now - (1 - brightness(at: now)) * fade)
                return update(isOpen: isOpen, now: now, framesReady: framesReady)
            }
            if since == nil, framesReady { phase = .opening(since: now) }
            if case let .opening(s?) = phase, now - s >= fade { phase = .open }
        }
        return []
    }
}
