// MARK: - ServiceHeartbeat

/// What the live loop tells systemd (`Type=notify`): `READY=1` once every screen shows a frame (or the
/// closed card), a `STATUS=` line every ``statusInterval`` seconds after that, and `WATCHDOG=1` pings while
/// the show is healthy (``Watchdog``). Pure: the loop says what happened, it says what to send.
public struct ServiceHeartbeat: Sendable, Equatable {
    /// Seconds between STATUS lines.
    public let statusInterval: Double
    public private(set) var readySent = false
    private var watchdog: Watchdog?
    private var lastStatus = -Double.infinity

    /// `watchdog`: nil when systemd asked for none (`WATCHDOG_USEC` unset).
    public init(watchdog: Watchdog?, statusInterval: Double = 5) {
        self.watchdog = watchdog
        self.statusInterval = statusInterval
    }

    /// The messages to send at `now`.
    /// - Parameters:
    ///   - presented: a window was presented in this iteration.
    ///   - screensReady: every screen shows a frame, or the show is closed (the card or black is up).
    ///   - silentSeconds: the longest any screen's producer has delivered nothing (nil: none is generating).
    ///   - waiting: every silent producer waits on a full queue (a paused show, not a stuck one).
    ///   - status: the STATUS line, asked for only when one is due.
    public mutating func messages(now: Double, presented: Bool, screensReady: Bool, silentSeconds: Double?, waiting: Bool,
                                  status: () -> String) -> [String] {
        var out: [String] = []
        if !readySent, presented, screensReady {
            out.append("READY=1")
            readySent = true
        }
        if readySent, now - lastStatus >= statusInterval {
            out.append("STATUS=" + status())
            lastStatus = now
        }
        if var w = watchdog {
            if w.shouldPing(now: now, sinceLastFrame: silentSeconds, waiting: waiting) { out.append("WATCHDOG=1") }
            watchdog = w
        }
        return out
    }
}
