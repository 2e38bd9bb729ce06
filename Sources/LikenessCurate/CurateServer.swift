import FlyingFox
import FlyingSocks
import Foundation

// MARK: - CurateServer

/// The HTTP server under ``CurateAPI``: FlyingFox (pure Swift on BSD sockets and epoll; see Docs/taste.md for why
/// not Hummingbird), one route that hands every request to the API.
///
/// A request whose framing FlyingFox cannot parse closes its connection and is logged; the server goes on.
/// Bodies over ``CurateAPI/maximumBodyBytes`` are refused with 413 before they are read.
public final class CurateServer: Sendable {
    public let api: CurateAPI
    public let host: String
    public let port: UInt16
    let server: HTTPServer

    /// A server for `api` on `host` (an IPv4 or IPv6 address) and `port` (0 = any free port).
    public init(api: CurateAPI, host: String, port: UInt16, log: (@Sendable (String) -> Void)? = nil) throws(CurateError) {
        self.api = api
        self.host = host
        self.port = port
        let logger = ServerLog(write: log)
        do {
            if host.contains(":") {
                server = HTTPServer(address: try sockaddr_in6.inet6(ip6: host, port: port), timeout: 30, logger: logger)
            } else {
                server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), timeout: 30, logger: logger)
            }
        } catch {
            throw .badAddress(host)
        }
    }

    /// Whether `host` is a loopback address (no token needed there).
    public static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// Serves until the task is cancelled or the server stops.
    public func run() async throws(CurateError) {
        let api = self.api
        await server.appendRoute("*") { request in
            await CurateServer.handle(request, api: api)
        }
        do {
            try await server.run()
        } catch is CancellationError {
            return
        } catch {
            throw .cannotListen(host: host, port: port, reason: error.localizedDescription)
        }
    }

    /// The port it listens on once started (the one chosen when asked for 0).
    public func listeningPort(timeout: TimeInterval = 10) async throws(CurateError) -> UInt16 {
        do {
            try await server.waitUntilListening(timeout: timeout)
        } catch {
            throw .cannotListen(host: host, port: port, reason: "not listening after \(Int(timeout)) s")
        }
        switch await server.listeningAddress {
        case let .ip4(_, port), let .ip6(_, port): return port
        default: return port
        }
    }

    public func stop() async {
        await server.stop(timeout: 1)
    }

    static func handle(_ request: HTTPRequest, api: CurateAPI) async -> HTTPResponse {
        var headers: [String: String] = [:]
        for (key, value) in request.headers { headers[key.rawValue.lowercased()] = value }
        var body = Data()
        if let declared = request.bodySequence.count, declared > CurateAPI.maximumBodyBytes {
            return response(APIResponse.error(413, "request body of \(declared) bytes; at most \(CurateAPI.maximumBodyBytes) allowed"))
        }
        do {
            for try await chunk in request.bodySequence {
                body.append(chunk)
                if body.count > CurateAPI.maximumBodyBytes {
                    return response(APIResponse.error(413, "request body over \(CurateAPI.maximumBodyBytes) bytes"))
                }
            }
        } catch {
            return response(APIResponse.error(400, "could not read the request body"))
        }
        var query: [String: String] = [:]
        for item in request.query where query[item.name] == nil { query[item.name] = item.value }
        let apiRequest = APIRequest(method: request.method.rawValue, path: request.path, query: query, headers: headers, body: body)
        return response(await api.respond(to: apiRequest))
    }

    static func response(_ r: APIResponse) -> HTTPResponse {
        var headers = HTTPHeaders()
        for (key, value) in r.headers { headers[HTTPHeader(key)] = value }
        return HTTPResponse(statusCode: HTTPStatusCode(r.status, phrase: phrase(r.status)), headers: headers, body: r.body)
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 303: "See Other"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        default: status < 500 ? "Client Error" : "Server Error"
        }
    }
}

/// FlyingFox's log lines, errors only (a malformed request is one line), to `write`.
struct ServerLog: Logging {
    let write: (@Sendable (String) -> Void)?
    func logDebug(_ debug: @autoclosure () -> String) {}
    func logInfo(_ info: @autoclosure () -> String) {}
    func logWarning(_ warning: @autoclosure () -> String) { write?("curate: \(warning())") }
    func logError(_ error: @autoclosure () -> String) { write?("curate: \(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { write?("curate: \(critical())") }
}

// MARK: - CurateError

/// What stops the curation server.
public enum CurateError: Error, Sendable, CustomStringConvertible {
    case badAddress(String)
    case cannotListen(host: String, port: UInt16, reason: String)

    public var description: String {
        switch self {
        case let .badAddress(host):
            "--listen '\(host)' is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (the gallery's network)"
        case let .cannotListen(host, port, reason):
            "cannot listen on \(host):\(port): \(reason); is another program using the port? try --port 0 or another number"
        }
    }
}
