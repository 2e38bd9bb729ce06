import Foundation
import LikenessServer
import LikenessShow

// MARK: - RemoteControl

/// A running show's remote control (`[remote]`): the HTTP API and its phone page on a ``WebServer``, OSC in
/// (commands) and OSC out (events), all off the frame loop: the server on Swift's concurrency threads, OSC on a
/// receive thread and an events thread. They talk to the show only through its thread-safe status board,
/// command queue and frame requests, so nothing here can stall a frame; a flood is rate-limited per client.
public final class RemoteControl: @unchecked Sendable {
    public let api: RemoteAPI
    public let settings: RemoteSettings
    private let log: @Sendable (String) -> Void
    private var server: WebServer?
    private var serverTask: Task<Void, Never>?
    private var receiver: OSCReceiver?
    private var events: OSCEventLoop?

    public init(show: any RemoteShow, settings: RemoteSettings, version: String, log: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.log = log
        let loopback = settings.listen.flatMap(WebServer.parseEndpoint).map { WebServer.isLoopback($0.host) } ?? true
        api = RemoteAPI(show: show, token: loopback ? nil : ServerGate.newToken(), version: version)
    }

    /// Starts what `[remote]` asks for; returns the lines to print (where to connect, with the token once).
    /// A part that cannot start (a port in use) is logged and left out: the show goes on without it.
    public func start() async -> [String] {
        var lines: [String] = []
        if let listen = settings.listen, let endpoint = WebServer.parseEndpoint(listen) {
            do {
                let api = self.api
                let server = try WebServer(host: endpoint.host, port: endpoint.port, name: "remote", log: log) { await api.respond(to: $0) }
                self.server = server
                let log = self.log
                serverTask = Task.detached {
                    do { try await server.run() } catch { log("\(error)") }
                }
                let port = try await server.listeningPort(timeout: 5)
                let shownHost = endpoint.host == "0.0.0.0" || endpoint.host == "::" ? Self.hostName() : (endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host)
                let base = "http://\(shownHost):\(port)/"
                if let token = api.gate.token {
                    lines.append("remote control on \(listen): open \(base)?token=\(token) (the token is printed only now; keep it)")
                } else {
                    lines.append("remote control on \(base) (this machine only; [remote] listen = \"0.0.0.0:\(port)\" opens it to the network with a token)")
                }
            } catch {
                log("remote control off: \(error)")
            }
        }
        var sender: OSCSender?
        if let target = settings.oscSend {
            do {
                let endpoint = try OSCEndpoint.parseEndpoint(target)
                sender = try OSCSender(host: endpoint.host, port: endpoint.port)
                lines.append("OSC events to \(target)")
            } catch {
                log("OSC events off: \(error)")
            }
        }
        if let listen = settings.oscListen {
            do {
                let endpoint = try OSCEndpoint.parseEndpoint(listen)
                let handler = OSCCommandHandler(show: api.show, counters: api.oscCounters, log: log)
                receiver = try OSCReceiver(host: endpoint.host, port: endpoint.port, allowed: settings.oscAllow,
                                           handler: { packet, from in handler.handle(packet, from: from) },
                                           onError: { [api, log] line in
                                               api.oscCounters.count(line.contains("not allowed") ? "refused" : "malformed")
                                               log("OSC: \(line)")
                                           })
                lines.append("OSC commands on \(listen) from \(settings.oscAllow.joined(separator: ", "))")
            } catch {
                log("OSC commands off: \(error)")
            }
        }
        if let sender {
            let loop = OSCEventLoop(show: api.show, sender: sender)
            loop.start()
            events = loop
        }
        return lines
    }

    /// Stops everything it started.
    public func stop() async {
        receiver?.stop()
        receiver = nil
        events?.stop()
        events = nil
        if let server { await server.stop() }
        serverTask?.cancel()
        server = nil
    }

    /// The machine's name, for a URL a phone can open.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - OSC in

/// OSC messages to show commands, rate-limited per source.
///
/// | address | argument | command |
/// |---|---|---|
/// | `/likeness/pause`, `/likeness/resume`, `/likeness/next` | – | pause, resume, next sitter |
/// | `/likeness/blackout`, `/likeness/overlay` | i (1 on, 0 off; none: toggle) | blackout, overlay |
/// | `/likeness/speed` | f 0.01–100 | the tempo |
/// | `/likeness/truncation` | f 0.05–2 | the truncation |
/// | `/likeness/snapshot`, `/likeness/reload` | – | snapshot, reload |
public final class OSCCommandHandler: @unchecked Sendable {
    let show: any RemoteShow
    let counters: RequestCounters
    let log: @Sendable (String) -> Void
    private let limit = RateLimiter(perSecond: 50, burst: 100)
    private let lock = NSLock()
    private var throttle = LogLimiter(interval: 10)

    public init(show: any RemoteShow, counters: RequestCounters, log: @escaping @Sendable (String) -> Void) {
        self.show = show
        self.counters = counters
        self.log = log
    }

    /// Applies each message of `packet` (a bundle's in order).
    public func handle(_ packet: OSCPacket, from source: String) {
        for message in packet.messages() {
            let host = String(source.prefix { $0 != ":" })
            guard limit.allow(host, now: monotonicSeconds()) else {
                counters.count("limited")
                note("OSC from \(host): more than 50 messages a second; dropped", key: host + "/limited")
                continue
            }
            switch Self.command(for: message, status: show.status()) {
            case let .success(command):
                _ = show.post(command, source: "osc")
                counters.count("applied")
            case let .failure(reason):
                counters.count("malformed")
                note("OSC from \(source): \(reason)", key: host)
            }
        }
    }

    private func note(_ line: String, key: String) {
        guard let held = lock.withLock({ throttle.admit(key, now: monotonicSeconds()) }) else { return }
        log(held > 0 ? "\(line) (and \(held) more since)" : line)
    }

    /// The command a message asks for (``RemoteCommand``'s table: `/likeness/<name>`, its first argument the
    /// value), or why it is refused. Pure.
    public static func command(for message: OSCMessage, status: ShowStatus?) -> Result<ShowCommand, OSCRefusal> {
        let prefix = "/likeness/"
        guard message.address.hasPrefix(prefix) else {
            return .failure(OSCRefusal("unknown address \(message.address.prefix(64)); Likeness answers \(RemoteCommand.names.map { prefix + $0 }.joined(separator: ", "))"))
        }
        let value: RemoteCommand.Value
        switch message.arguments.first {
        case nil: value = .none
        case let .int32(i)?: value = .number(Double(i))
        case let .float32(f)?: value = .number(Double(f))
        case .string?, .blob?: value = .other("")
        }
        return RemoteCommand.command(named: String(message.address.dropFirst(prefix.count)), value: value, status: status)
            .mapError { OSCRefusal("\(message.address): \($0.description), got \(message)") }
    }
}

/// Why an OSC message was not applied (one log line).
public struct OSCRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - OSC out

/// The events a show sends (`osc_send`), found by comparing two status snapshots. Pure.
///
/// | address | arguments | when |
/// |---|---|---|
/// | `/likeness/sitter` | s screen, i sitter (from 0), s what it resembles (empty without lineage) | a new sitter on a screen |
/// | `/likeness/open` | i 1 or 0 | the schedule opens or closes the show |
/// | `/likeness/level` | s screen, i level | a screen's detail level changes (and at start) |
/// | `/likeness/heartbeat` | – | once a second |
public enum OSCEvents {
    public static func changes(from previous: ShowStatus?, to current: ShowStatus) -> [OSCMessage] {
        var out: [OSCMessage] = []
        if previous?.open != current.open {
            out.append(OSCMessage("/likeness/open", [.int32(current.open ? 1 : 0)]))
        }
        for screen in current.screens {
            let before = previous?.screens.first { $0.name == screen.name }
            if let sitter = screen.sitter, before?.sitter != sitter {
                out.append(OSCMessage("/likeness/sitter", [.string(screen.name), .int32(Int32(clamping: sitter)), .string(screen.resembles ?? "")]))
            }
            if before?.level != screen.level {
                out.append(OSCMessage("/likeness/level", [.string(screen.name), .int32(Int32(clamping: screen.level))]))
            }
        }
        return out
    }
}

/// Sends ``OSCEvents`` as the status changes, and a heartbeat once a second, on a thread of its own.
final class OSCEventLoop: @unchecked Sendable {
    let show: any RemoteShow
    let sender: OSCSender
    private let lock = NSLock()
    private var running = false
    private let done = DispatchSemaphore(value: 0)

    init(show: any RemoteShow, sender: OSCSender) {
        self.show = show
        self.sender = sender
    }

    func start() {
        lock.withLock { running = true }
        let thread = Thread { [self] in
            var previous: ShowStatus?
            var lastBeat = -Double.infinity
            while lock.withLock({ running }) {
                if let status = show.status() {
                    for message in OSCEvents.changes(from: previous, to: status) { _ = sender.send(message) }
                    previous = status
                }
                let now = monotonicSeconds()
                if now - lastBeat >= 1 {
                    _ = sender.send(OSCMessage("/likeness/heartbeat"))
                    lastBeat = now
                }
                usleep(50_000)
            }
            done.signal()
        }
        thread.name = "OSC events"
        thread.start()
    }

    func stop() {
        let was = lock.withLock {
            let r = running
            running = false
            return r
        }
        if was { done.wait() }
    }
}
