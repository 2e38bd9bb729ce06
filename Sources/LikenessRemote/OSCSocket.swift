import Foundation
import LikenessShow
#if canImport(Glibc)
import Glibc
#endif

// MARK: - OSCReceiver

/// Listens for OSC on a UDP port and hands each decoded packet to `handler`, on a thread of its own.
///
/// One background `Thread` reads datagrams into one reused 64 KiB buffer (the largest UDP payload fits),
/// so a datagram costs nothing beyond its decoded packet. Only sources in the allow list are heard
/// (loopback by default: the conventions' rule for servers); others, and malformed packets, become
/// `onError` lines, at most one per source per 10 s, so a flood cannot flood the log. The socket has a
/// 200 ms receive timeout, so ``stop()`` returns within about that long. `handler` and `onError` run on
/// the receive thread: keep them short (post to the show's command queue).
public final class OSCReceiver: @unchecked Sendable {
    /// The address the socket is bound to, as given.
    public let host: String
    /// The bound port (the kernel's choice when 0 was asked for).
    public let port: UInt16
    /// The allow list, as given.
    public let allowed: [String]

    private let loop: ReceiveLoop
    private let thread: Thread

    /// Binds `host:port` and starts receiving.
    ///
    /// - Parameters:
    ///   - host: an IPv4 address to listen on; `0.0.0.0` for every interface.
    ///   - port: 0 lets the kernel choose; read it back from ``port``.
    ///   - allowed: IPv4 addresses or CIDR blocks whose packets are accepted; `0.0.0.0/0` for anyone.
    ///   - handler: each decoded packet and its source, `a.b.c.d:port`.
    ///   - onError: one line per dropped or malformed packet (rate-limited per source).
    public init(
        host: String = "127.0.0.1",
        port: UInt16,
        allowed: [String] = ["127.0.0.0/8"],
        handler: @escaping @Sendable (_ packet: OSCPacket, _ from: String) -> Void,
        onError: @escaping @Sendable (_ line: String) -> Void = { _ in }
    ) throws(OSCError) {
        let endpoint = "\(host):\(port)"
        guard let address = IPv4.parse(host) else {
            throw .invalidEndpoint(endpoint, reason: "\(quoted(host)) is not an IPv4 address (IPv6 and host names are not supported)")
        }
        var blocks: [IPv4.Block] = []
        for entry in allowed {
            guard let block = IPv4.Block(entry) else { throw .invalidAllowEntry(entry) }
            blocks.append(block)
        }

        let fd = try OSCSocket.open()
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        var bound = sockaddr_in(address: address, port: port)
        let bindResult = withUnsafePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bindResult == 0 else {
            let reason = OSCSocket.reason(errno)
            close(fd)
            throw .cannotListen(endpoint: endpoint, reason: reason)
        }
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            let reason = OSCSocket.reason(errno)
            close(fd)
            throw .cannotListen(endpoint: endpoint, reason: "cannot set a receive timeout: \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let nameResult = withUnsafeMutablePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard nameResult == 0 else {
            let reason = OSCSocket.reason(errno)
            close(fd)
            throw .cannotListen(endpoint: endpoint, reason: reason)
        }

        self.host = host
        self.port = UInt16(bigEndian: bound.sin_port)
        self.allowed = allowed
        let loop = ReceiveLoop(socket: fd, allowed: blocks, allowedText: allowed.joined(separator: ", "), handler: handler, onError: onError)
        self.loop = loop
        // The thread holds the loop, not the receiver, so dropping the receiver stops it (deinit).
        thread = Thread { loop.run() }
        thread.name = "OSC receiver \(host):\(self.port)"
        thread.start()
    }

    deinit { stop() }

    /// Stops receiving and closes the socket; returns once the receive thread has finished (within about
    /// 200 ms), or at once when called from `handler` itself. Calling it again does nothing.
    public func stop() {
        loop.requestStop()
        guard Thread.current !== thread else { return }
        loop.waitUntilFinished()
    }
}

// MARK: - ReceiveLoop

/// The receive thread's state: the socket (which it closes when it ends), the allow list and the log
/// limiter, plus a stop flag and a finished flag behind one condition.
private final class ReceiveLoop: @unchecked Sendable {
    private let socket: Int32
    private let allowed: [IPv4.Block]
    private let allowedText: String
    private let handler: @Sendable (OSCPacket, String) -> Void
    private let onError: @Sendable (String) -> Void
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false

    init(socket: Int32, allowed: [IPv4.Block], allowedText: String, handler: @escaping @Sendable (OSCPacket, String) -> Void, onError: @escaping @Sendable (String) -> Void) {
        self.socket = socket
        self.allowed = allowed
        self.allowedText = allowedText
        self.handler = handler
        self.onError = onError
    }

    func requestStop() {
        condition.lock()
        stopping = true
        condition.unlock()
    }

    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var limiter = LogLimiter()
        while !isStopping {
            var source = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &source) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket, raw.baseAddress, raw.count, 0, $0, &length) }
                }
            }
            let now = ProcessInfo.processInfo.systemUptime
            guard count >= 0 else {
                let error = errno
                if error == EAGAIN || error == EWOULDBLOCK || error == EINTR { continue }
                if let suppressed = limiter.admit("recv", now: now) {
                    onError("OSC receive failed: \(OSCSocket.reason(error))\(LogLimiter.suffix(suppressed)); the receiver keeps trying")
                }
                if error == EBADF || error == ENOTSOCK { break }
                continue
            }
            let address = UInt32(bigEndian: source.sin_addr.s_addr)
            let from = "\(IPv4.format(address)):\(UInt16(bigEndian: source.sin_port))"
            guard allowed.contains(where: { $0.contains(address) }) else {
                if let suppressed = limiter.admit("drop " + IPv4.format(address), now: now) {
                    onError("dropped OSC from \(from): not in the allow list (\(allowedText))\(LogLimiter.suffix(suppressed)); add its address to the allow list to accept it")
                }
                continue
            }
            // The slice shares the buffer and is gone once decoded, so the next recvfrom does not copy it.
            do {
                let packet = try OSCPacket.decode(buffer[0..<count])
                handler(packet, from)
            } catch {
                if let suppressed = limiter.admit("malformed " + IPv4.format(address), now: now) {
                    onError("malformed OSC from \(from): \(error)\(LogLimiter.suffix(suppressed))")
                }
            }
        }
        close(socket)
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}

// MARK: - OSCSender

/// Sends OSC packets to one `host:port` over UDP, never blocking and never throwing: a datagram the
/// network or a full socket buffer drops is lost, as UDP allows (a show never waits on a listener).
public final class OSCSender: @unchecked Sendable {
    public let host: String
    public let port: UInt16
    private let socket: Int32
    private let address: sockaddr_in

    /// A sender to `host` (an IPv4 address) and `port` (not 0).
    public init(host: String, port: UInt16) throws(OSCError) {
        guard let parsed = IPv4.parse(host) else {
            throw .invalidEndpoint("\(host):\(port)", reason: "\(quoted(host)) is not an IPv4 address (IPv6 and host names are not supported)")
        }
        guard port != 0 else { throw .invalidEndpoint("\(host):\(port)", reason: "port 0 cannot be sent to") }
        socket = try OSCSocket.open()
        address = sockaddr_in(address: parsed, port: port)
        self.host = host
        self.port = port
    }

    deinit { close(socket) }

    /// Sends `packet` as one datagram; false when it was not sent whole (too large, buffer full, no route).
    @discardableResult
    public func send(_ packet: OSCPacket) -> Bool {
        let bytes = packet.encoded()
        var address = self.address
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { raw in
                    sendto(socket, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), sa, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == bytes.count
    }

    /// Sends one message; see ``send(_:)-(OSCPacket)``.
    @discardableResult
    public func send(_ message: OSCMessage) -> Bool { send(.message(message)) }
}

// MARK: - Endpoints

/// Parsing `host:port` for the OSC options.
public enum OSCEndpoint {
    /// `"127.0.0.1:7000"` → `("127.0.0.1", 7000)`: an IPv4 address in dotted-quad form (no leading
    /// zeros, which some parsers read as octal) and a port 0–65535 (0: the kernel picks one, for
    /// listening). Host names and IPv6 are refused with a message that says so.
    public static func parseEndpoint(_ text: String) throws(OSCError) -> (host: String, port: UInt16) {
        guard let colon = text.lastIndex(of: ":") else { throw .invalidEndpoint(text, reason: "it has no ':port'") }
        let host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.contains(":") || host.hasPrefix("[") {
            throw .invalidEndpoint(text, reason: "IPv6 is not supported, only IPv4")
        }
        guard IPv4.parse(host) != nil else {
            let reason = host.isEmpty ? "it has no host"
                : host.contains(where: \.isLetter) ? "\(quoted(host)) is a host name; names are not resolved, only IPv4 addresses are accepted"
                : "\(quoted(host)) is not an IPv4 address"
            throw .invalidEndpoint(text, reason: reason)
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(portText)
        else { throw .invalidEndpoint(text, reason: "the port \(quoted(String(portText))) is not a number from 0 to 65535") }
        return (host, port)
    }
}

// MARK: - LogLimiter

/// Lets at most one log line per key (a source address) through every `interval` seconds and counts
/// what it held back, so that a flood of bad packets is one line per source every 10 s.
///
/// Pure (the caller passes `now`), and bounded: it remembers at most `capacity` keys; when a new key
/// finds it full of live ones, the key shares one overflow slot, so spoofed sources cannot grow it.
public struct LogLimiter: Sendable, Equatable {
    public let interval: Double
    public let capacity: Int
    private var entries: [String: Entry] = [:]

    private struct Entry: Sendable, Equatable {
        var lastLogged: Double
        var suppressed: Int
    }

    /// The key every source shares once ``capacity`` are remembered.
    static let overflowKey = "(others)"

    public init(interval: Double = 10, capacity: Int = 256) {
        self.interval = interval
        self.capacity = max(1, capacity)
    }

    /// Whether to log for `key` at `now`: nil to stay silent; otherwise the number of lines held back for
    /// it since the last one that was let through.
    public mutating func admit(_ key: String, now: Double) -> Int? {
        var key = key
        if entries[key] == nil, entries.count >= capacity {
            entries = entries.filter { now - $0.value.lastLogged < interval }
            if entries.count >= capacity { key = LogLimiter.overflowKey }
        }
        guard var entry = entries[key] else {
            entries[key] = Entry(lastLogged: now, suppressed: 0)
            return 0
        }
        guard now - entry.lastLogged >= interval else {
            entry.suppressed += 1
            entries[key] = entry
            return nil
        }
        let suppressed = entry.suppressed
        entries[key] = Entry(lastLogged: now, suppressed: 0)
        return suppressed
    }

    /// `" (and 3 more since the last report)"`, or nothing.
    static func suffix(_ suppressed: Int) -> String {
        suppressed > 0 ? " (and \(suppressed) more since the last report)" : ""
    }
}

// MARK: - IPv4

// MARK: - Sockets

/// The Glibc calls both endpoints share.
enum OSCSocket {
    /// A close-on-exec UDP socket.
    static func open() throws(OSCError) -> Int32 {
        #if canImport(Glibc)
        let fd = Foundation.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = Foundation.socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw .cannotOpenSocket(reason: reason(errno)) }
        return fd
    }

    /// A short reason for `code`: the common ones in our words, others from `strerror`.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: "address in use"
        case EADDRNOTAVAIL: "no interface has this address"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        default: String(cString: strerror(code))
        }
    }
}

extension sockaddr_in {
    /// `address` and `port` in host byte order.
    init(address: UInt32, port: UInt16) {
        self.init()
        #if canImport(Darwin)
        sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        sin_family = sa_family_t(AF_INET)
        sin_port = port.bigEndian
        sin_addr = in_addr(s_addr: address.bigEndian)
    }
}
