import Foundation
import LikenessMedia
import LikenessServer
import LikenessShow

// MARK: - RemoteShow

/// What the remote control reads and steers: a running show's status, its command queue and its frames.
/// ``LiveShow`` is one; tests and the fuzzer use a stand-in.
public protocol RemoteShow: AnyObject, Sendable {
    /// The latest status (nil before the loop made one).
    func status() -> ShowStatus?
    /// Posts a command; returns its number (see ``ShowCommandQueue/post(_:source:)``).
    func post(_ command: ShowCommand, source: String) -> Int
    /// Commands the loop has applied so far.
    var commandsApplied: Int { get }
    /// Commands posted so far, per source.
    var commandsBySource: [String: Int] { get }
    /// The frame screen `index` shows now (nil: none, or the loop did not answer).
    func frame(screen index: Int) async -> Frame?
}

/// ``LiveShow`` as a ``RemoteShow`` (its queue, status board and frame requests are thread-safe).
public final class LiveRemoteShow: RemoteShow, @unchecked Sendable {
    let show: LiveShow
    public init(_ show: LiveShow) { self.show = show }
    public func status() -> ShowStatus? { show.statusBoard.read() }
    public func post(_ command: ShowCommand, source: String) -> Int { show.commands.post(command, source: source) }
    public var commandsApplied: Int { show.commands.applied }
    public var commandsBySource: [String: Int] { show.commands.countsBySource }
    public func frame(screen index: Int) async -> Frame? { await show.frameRequests.frame(screen: index) }
}

// MARK: - RemoteAPI

/// The remote control's routes, independent of the HTTP server underneath (``WebServer``), behind the same
/// ``ServerGate`` as the curation app (token off loopback, cross-site refusals, 4 KiB bodies).
///
/// | route | answer |
/// |---|---|
/// | `GET /` (also `/page.css`, `/page.js`) | the control page for a phone, embedded in the binary |
/// | `GET /api/status` | the show's status (``RemoteStatus``) |
/// | `POST /api/command` `{"command", "value"}` | the status once the loop applied it |
/// | `GET /api/snapshot/<screen>.png` or `.jpg` `[?width=N]` | what that screen shows now |
/// | `GET /metrics` | Prometheus text format |
/// | `GET /api/openapi.json` | this API as OpenAPI 3 |
///
/// Every error is JSON `{"error": "…"}` with a 4xx status. Commands and snapshots are rate-limited per client
/// (429 says so), and every client's requests as a whole, so a flood costs the show little.
public final class RemoteAPI: Sendable {
    public let show: any RemoteShow
    public let gate: ServerGate
    public let version: String
    /// Started at (monotonic seconds), for the uptime of the metrics.
    let clock: @Sendable () -> Double
    let commandLimit: RateLimiter
    let snapshotLimit: RateLimiter
    let requestLimit: RateLimiter
    let counters = RequestCounters()
    let statusCache = StatusCache()

    /// Commands a client may post: a burst of 20, then 10 a second.
    public static let commandsPerSecond = 10.0
    /// Snapshots a client may fetch: a burst of 4, then 4 a second.
    public static let snapshotsPerSecond = 4.0
    /// Requests of any kind a client may make: a burst of 200, then 200 a second.
    public static let requestsPerSecond = 200.0
    /// The widest snapshot served.
    public static let maximumSnapshotWidth = 4096

    public init(show: any RemoteShow, token: String?, version: String, clock: @escaping @Sendable () -> Double = monotonicSeconds) {
        self.show = show
        gate = ServerGate(token: token, tokenHint: "this show's remote control needs its token: open the URL the show printed at start (http://…/?token=…)")
        self.version = version
        self.clock = clock
        commandLimit = RateLimiter(perSecond: Self.commandsPerSecond, burst: 20)
        snapshotLimit = RateLimiter(perSecond: Self.snapshotsPerSecond, burst: 4)
        requestLimit = RateLimiter(perSecond: Self.requestsPerSecond, burst: 200)
    }

    /// Answers one request; never throws, never traps on bad input.
    public func respond(to request: APIRequest) async -> APIResponse {
        let response = await gate.respond(to: request) { await self.limited($0) }
        counters.count(status: response.status)
        return response
    }

    private func limited(_ request: APIRequest) async -> APIResponse {
        let client = Self.client(of: request)
        guard requestLimit.allow(client, now: clock()) else {
            return .tooMany("too many requests from \(APIResponse.echo(client)): at most \(Int(Self.requestsPerSecond)) a second")
        }
        return await route(request, client: client)
    }

    /// The client a limit counts against: its address without the port (every connection of one phone is one client).
    static func client(of request: APIRequest) -> String {
        guard !request.peer.isEmpty else { return "unknown" }
        if request.peer.hasPrefix("[") { return String(request.peer.prefix { $0 != "]" }.dropFirst()) }
        return String(request.peer.prefix { $0 != ":" })
    }

    private func route(_ request: APIRequest, client: String) async -> APIResponse {
        let method = request.method, path = request.path
        func only(_ allowed: String, _ body: () async -> APIResponse) async -> APIResponse {
            guard method == allowed || (allowed == "GET" && method == "HEAD") else { return .methodNotAllowed(path, allowed: allowed) }
            return await body()
        }
        if let asset = RemoteAssets.asset(forPath: path) {
            return await only("GET") { EmbeddedPage.response(text: asset.body, contentType: asset.contentType) }
        }
        switch path {
        case "/api/status":
            return await only("GET") { statusResponse() }
        case "/api/command":
            return await only("POST") { await command(request.body, client: client) }
        case "/metrics":
            return await only("GET") { metrics() }
        case "/api/openapi.json":
            return await only("GET") { APIResponse(status: 200, headers: ["Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache"],
                                                   body: Data(RemoteOpenAPI.document(version: version).utf8)) }
        default:
            if path.hasPrefix("/api/snapshot/") {
                return await only("GET") { await snapshot(path: path, query: request.query, client: client) }
            }
            return .error(404, "no route \(APIResponse.echo(path, limit: 80)); the API is GET /api/status, POST /api/command, GET /api/snapshot/<screen>.png|.jpg, GET /metrics, GET /api/openapi.json (described there)")
        }
    }

    // MARK: Status

    private func statusResponse() -> APIResponse {
        guard let status = show.status() else { return .error(503, "the show is starting; try again in a second") }
        return .json(200, data: statusJSON(status))
    }

    /// The status's JSON, encoded once per snapshot (the show publishes a few a second; a client polling faster,
    /// or a flood, gets the same bytes without encoding them again).
    private func statusJSON(_ status: ShowStatus) -> Data {
        if let data = statusCache.data(for: status) { return data }
        let data = RemoteStatus(status, version: version).json()
        statusCache.keep(data, for: status)
        return data
    }

    // MARK: Commands

    /// The commands of `POST /api/command` (``RemoteCommand``'s table).
    static let commandNames = RemoteCommand.names

    /// The ``ShowCommand`` a JSON body `{"command": …, "value": …}` asks for, or what is wrong with it.
    static func parseCommand(_ body: Data, status: ShowStatus?) -> Result<ShowCommand, RemoteError> {
        // JSONDecoder keeps true and 1 apart (JSONSerialization on Linux gives NSNumbers that are both Bool and Int).
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: body) else {
            return .failure(.badRequest("the body must be a JSON object {\"command\": \"pause\"} or {\"command\": \"speed\", \"value\": 0.5}"))
        }
        guard case let .string(name)? = object["command"] else {
            return .failure(.badRequest("\"command\" must be one of \(commandNames.joined(separator: ", "))"))
        }
        let value: RemoteCommand.Value
        switch object["value"] ?? .null {
        case .null: value = .none
        case let .bool(b): value = .bool(b)
        case let .number(n): value = .number(n)
        case let .string(s): value = .other(s)
        case .other: value = .other("")
        }
        return RemoteCommand.command(named: name, value: value, status: status).mapError { .badRequest("\"value\": \($0.description)") }
    }

    private func command(_ body: Data, client: String) async -> APIResponse {
        guard commandLimit.allow(client, now: clock()) else {
            return .tooMany("commands from \(APIResponse.echo(client)) are limited to \(Int(Self.commandsPerSecond)) a second (a burst of 20); this one was dropped")
        }
        let parsed = Self.parseCommand(body, status: show.status())
        let command: ShowCommand
        switch parsed {
        case let .success(c): command = c
        case let .failure(e): return .error(e.status, e.message)
        }
        let number = show.post(command, source: "http")
        // The loop applies commands at its next iteration (at most a frame away) and publishes its status then.
        let deadline = clock() + 1
        while clock() < deadline {
            if let status = show.status(), status.commandsApplied >= number {
                return .json(200, data: statusJSON(status))
            }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return .error(503, "the show did not apply the command within a second; is it running?")
    }

    // MARK: Snapshots

    private func snapshot(path: String, query: [String: String], client: String) async -> APIResponse {
        let name = String(path.dropFirst("/api/snapshot/".count))
        let png = name.hasSuffix(".png"), jpeg = name.hasSuffix(".jpg") || name.hasSuffix(".jpeg")
        guard png || jpeg else { return .error(404, "snapshots are /api/snapshot/<screen>.png or .jpg") }
        let screenName = String(name.prefix { $0 != "." })
        guard let status = show.status() else { return .error(503, "the show is starting; try again in a second") }
        guard let index = status.screens.firstIndex(where: { $0.name == screenName }) ?? Int(screenName).flatMap({ status.screens.indices.contains($0) ? $0 : nil }) else {
            return .error(404, "no screen '\(APIResponse.echo(screenName, limit: 40))'; the screens are \(APIResponse.echo(status.screens.map(\.name).joined(separator: ", "), limit: 200)) (or 0…\(status.screens.count - 1))")
        }
        var width: Int?
        if let text = query["width"] {
            guard let n = Int(text), (16...Self.maximumSnapshotWidth).contains(n) else {
                return .error(400, "width must be a whole number 16 to \(Self.maximumSnapshotWidth), got '\(APIResponse.echo(text, limit: 32))'")
            }
            width = n
        }
        guard snapshotLimit.allow(client, now: clock()) else {
            return .tooMany("snapshots for \(APIResponse.echo(client)) are limited to \(Int(Self.snapshotsPerSecond)) a second")
        }
        guard var frame = await show.frame(screen: index) else {
            return .error(404, "screen '\(APIResponse.echo(status.screens[index].name))' shows no portrait now (starting, closed or blacked out)")
        }
        if let width, width != frame.width { frame = Self.scaled(frame, width: width) }
        if jpeg {
            return APIResponse(status: 200, headers: ["Content-Type": "image/jpeg", "Cache-Control": "no-store"], body: Data(JPEGCodec.encode(frame, quality: 85)))
        }
        guard let bytes = try? PNGCodec.encode(frame) else { return .error(500, "could not encode the snapshot") }
        return APIResponse(status: 200, headers: ["Content-Type": "image/png", "Cache-Control": "no-store"], body: Data(bytes))
    }

    /// `frame` at `width` pixels wide, aspect kept (Lanczos-3 on float planes).
    static func scaled(_ frame: Frame, width: Int) -> Frame {
        let height = max(1, Int((Double(frame.height) * Double(width) / Double(frame.width)).rounded()))
        let planes = PlanarImage(frame: frame)
        let resampler = LanczosResampler(sourceWidth: frame.width, sourceHeight: frame.height, targetWidth: width, targetHeight: height,
                                         fit: .stretch, background: .black)
        var out = PlanarImage(channels: 3, width: width, height: height)
        planes.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { resampler.resample(unsafeSource: src, into: $0) } }
        return out.frame
    }

    // MARK: Metrics

    private func metrics() -> APIResponse {
        let text = RemoteMetrics.exposition(status: show.status(), commands: show.commandsBySource, requests: counters.snapshot(),
                                            osc: oscCounters.snapshot(), process: ProcessFigures.read())
        return APIResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                           body: Data(text.utf8))
    }

    /// OSC packets by result, counted by the OSC side and exposed here.
    public let oscCounters = RequestCounters()
}

/// One JSON value of a command's body, as JSONDecoder reads it.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), other

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .other }
    }
}

/// A bad request, with the status it answers.
public struct RemoteError: Error, Sendable {
    public var status: Int
    public var message: String
    static func badRequest(_ message: String) -> RemoteError { RemoteError(status: 400, message: message) }
}

/// Requests (or packets) counted by their outcome, thread-safe.
public final class RequestCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    public init() {}
    public func count(status: Int) { count(String(status)) }
    public func count(_ key: String) { lock.withLock { counts[key, default: 0] += 1 } }
    public func snapshot() -> [String: Int] { lock.withLock { counts } }
}

/// The last status and its encoded JSON, thread-safe.
final class StatusCache: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: (status: ShowStatus, data: Data)?

    func data(for status: ShowStatus) -> Data? {
        lock.withLock { kept?.status == status ? kept?.data : nil }
    }

    func keep(_ data: Data, for status: ShowStatus) {
        lock.withLock { kept = (status, data) }
    }
}
