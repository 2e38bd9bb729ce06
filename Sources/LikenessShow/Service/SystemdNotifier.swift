import Foundation

// MARK: - SystemdNotifier

/// Speaks systemd's notify protocol: one datagram per message to the unix socket in `$NOTIFY_SOCKET`
/// (`READY=1`, `WATCHDOG=1`, `STATUS=…`), as `sd_notify(3)` does, without libsystemd. A socket path that
/// starts with `@` is in the abstract namespace. Sending never blocks and never throws: a systemd that
/// went away costs a log line at most.
public final class SystemdNotifier: @unchecked Sendable {
    private let address: sockaddr_un
    private let length: socklen_t
    private let socket: Int32

    /// A notifier for `socketPath` (the value of `NOTIFY_SOCKET`); nil when there is none or it is unusable.
    public init?(socketPath: String?) {
        guard let path = socketPath, !path.isEmpty else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        self.address = address
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        #if canImport(Glibc)
        let fd = Foundation.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = Foundation.socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        socket = fd
    }

    deinit { close(socket) }

    /// Sends one message (newline-separated `KEY=value` lines); false when it could not be delivered.
    @discardableResult
    public func send(_ message: String) -> Bool {
        var address = self.address
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { raw in
                    sendto(socket, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL), sa, length)
                }
            }
        }
        return sent == bytes.count
    }
}

// MARK: - Watchdog

/// When the frame loop may tell systemd it is alive (`WATCHDOG=1`): every `interval` seconds (half of
/// `WatchdogSec`), and only while the show is healthy — new frames keep arriving from every producer (or it
/// waits on a full queue, paused), or it is closed and not generating. A stuck generator or a frozen loop
/// stops the pings, and systemd restarts the show after `WatchdogSec`.
public struct Watchdog: Sendable, Equatable {
    /// Seconds between pings.
    public let interval: Double
    /// A producer that delivered nothing for this long is stuck.
    public let stallLimit: Double
    private var lastPing = -Double.infinity

    /// From systemd's `WATCHDOG_USEC` (microseconds).
    public init(watchdogMicroseconds: UInt64) {
        let seconds = Double(watchdogMicroseconds) / 1e6
        interval = max(0.05, seconds / 2)
        stallLimit = max(0.5, min(10, seconds / 2))
    }

    public init(interval: Double, stallLimit: Double) {
        self.interval = interval
        self.stallLimit = stallLimit
    }

    /// Whether to ping at `now`; `sinceLastFrame` is the longest any producer has been silent (nil: none
    /// is generating, the show is closed), `waiting` whether every silent producer waits on a full queue.
    public mutating func shouldPing(now: Double, sinceLastFrame: Double?, waiting: Bool) -> Bool {
        guard now - lastPing >= interval else { return false }
        if let silent = sinceLastFrame, silent > stallLimit, !waiting { return false }
        lastPing = now
        return true
    }
}
