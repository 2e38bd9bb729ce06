import FlyingFox
import FlyingSocks
import Foundation

// MARK: - WebServer

/// The HTTP server under Likeness's APIs (the curation app, the remote control): FlyingFox (pure Swift on BSD
/// sockets and epoll; see Docs/taste.md for why not Hummingbird), one route that hands every request to
/// `handler` as an ``APIRequest``.
///
/// A request whose framing FlyingFox cannot parse closes its connection and is logged; the server goes on.
/// Bodies over ``ServerGate/maximumBodyBytes`` are refused with 413 before they are read. Idle connections
/// are closed after `timeout` seconds.
public final class WebServer: Sendable {
    public typealias Handler = @Sendable (APIRequest) async -> APIResponse
    public let host: String
    public let port: UInt16
    /// "curate", "remote": the prefix of its log lines and errors.
    public let name: String
    let server: HTTPServer
    let handler: Handler

    /// A server on `host` (an IPv4 or IPv6 address) and `port` (0 = any free port).
    public init(host: String, port: UInt16, name: String, timeout: TimeInterval = 30, log: (@Sendable (String) -> Void)? = nil,
                handler: @escaping Handler) throws(ServerError) {
        self.host = host
        self.port = port
        self.name = name
        self.handler = handler
        let logger = ServerLog(prefix: name, write: log)
        do {
            if host.contains(":") {
                server = HTTPServer(address: try sockaddr_in6.inet6(ip6: host, port: port), timeout: timeout, logger: logger)
            } else {
                server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), timeout: timeout, logger: logger)
            }
        } catch {
            throw .badAddress(host, what: name)
        }
    }

    /// Whether `host` is a loopback address (no token needed there).
    public static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// `"127.0.0.1:8322"`, `"0.0.0.0:8322"`, `"[::1]:8322"` → host and port.
    public static func parseEndpoint(_ text: String) -> (host: String, port: UInt16)? {
        let host: Substring, rest: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            rest = text[text.index(after: close)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            rest = text[colon...]
        }
        guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), !host.isEmpty else { return nil }
        return (String(host), port)
    }

    /// Serves until the task is cancelled or the server stops.
    public func run() async throws(ServerError) {
        let handler = self.handler
        await server.appendRoute("*") { request in
            await WebServer.handle(request, handler: handler)
        }
        do {
            try await server.run()
        } catch is CancellationError {
            return
        } catch {
            throw .cannotListen(host: host, port: port, reason: error.localizedDescription, what: name)
        }
    }

    /// The port it listens on once started (the one chosen when asked for 0).
    public func listeningPort(timeout: TimeInterval = 10) async throws(ServerError) -> UInt16 {
        do {
            try await server.waitUntilListening(timeout: timeout)
        } catch {
            throw .cannotListen(host: host, port: port, reason: "not listening after \(Int(timeout)) s", what: name)
        }
        let bound: UInt16
        switch await server.listeningAddress {
        case let .ip4(_, port), let .ip6(_, port): bound = port
        default: bound = port
        }
        Self.disableNagle(listeningOn: bound)
        return bound
    }

    /// Sets `TCP_NODELAY` on the listening socket of `port` (Linux hands it on to every accepted connection).
    ///
    /// FlyingFox writes a response's head and body separately; with Nagle's algorithm the body then waits for
    /// the client's delayed ACK of the head, 40 ms on Linux, on every request of a keep-alive connection
    /// (measured: 43 ms a request, 1.9 ms with a new connection each). FlyingFox does not expose its sockets,
    /// so the listening one is found among the process's descriptors by its port.
    static func disableNagle(listeningOn port: UInt16) {
        for fd in Int32(3)..<Int32(4096) {
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 1 else { continue }
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            guard named == 0 else { continue }
            let boundPort: UInt16
            switch Int32(address.ss_family) {
            case AF_INET: boundPort = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) } }
            case AF_INET6: boundPort = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) } }
            default: continue
            }
            guard boundPort == port else { continue }
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    public func stop() async {
        await server.stop(timeout: 1)
    }

    static func handle(_ request: HTTPRequest, handler: Handler) async -> HTTPResponse {
        BackgroundPriority.lowerThisThread()
        var headers: [String: String] = [:]
        for (key, value) in request.headers { headers[key.rawValue.lowercased()] = value }
        var body = Data()
        if let declared = request.bodySequence.count, declared > ServerGate.maximumBodyBytes {
            return response(APIResponse.error(413, "request body of \(declared) bytes; at most \(ServerGate.maximumBodyBytes) allowed"))
        }
        do {
            for try await chunk in request.bodySequence {
                body.append(chunk)
                if body.count > ServerGate.maximumBodyBytes {
                    return response(APIResponse.error(413, "request body over \(ServerGate.maximumBodyBytes) bytes"))
                }
            }
        } catch {
            return response(APIResponse.error(400, "could not read the request body"))
        }
        var query: [String: String] = [:]
        for item in request.query where query[item.name] == nil { query[item.name] = item.value }
        var peer = ""
        switch request.remoteAddress {
        case let .ip4(ip, port), let .ip6(ip, port): peer = "\(ip):\(port)"
        default: break
        }
        let apiRequest = APIRequest(method: request.method.rawValue, path: request.path, query: query, headers: headers, body: body, peer: peer)
        return response(await handler(apiRequest))
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
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        default: status < 500 ? "Client Error" : "Server Error"
        }
    }
}

/// FlyingFox's log lines, errors only (a malformed request is one line), to `write`.
struct ServerLog: Logging {
    let prefix: String
    let write: (@Sendable (String) -> Void)?
    func logDebug(_ debug: @autoclosure () -> String) {}
    func logInfo(_ info: @autoclosure () -> String) {}
    func logWarning(_ warning: @autoclosure () -> String) { write?("\(prefix): \(warning())") }
    func logError(_ error: @autoclosure () -> String) { write?("\(prefix): \(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { write?("\(prefix): \(critical())") }
}

// MARK: - ServerError

/// What stops a server.
public enum ServerError: Error, Sendable, CustomStringConvertible {
    case badAddress(String, what: String)
    case cannotListen(host: String, port: UInt16, reason: String, what: String)

    public var description: String {
        switch self {
        case let .badAddress(host, what):
            "\(what): '\(host)' is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (the gallery's network)"
        case let .cannotListen(host, port, reason, what):
            "\(what): cannot listen on \(host):\(port): \(reason); is another program using the port? choose another port"
        }
    }
}

// MARK: - BackgroundPriority

/// Lowers the priority (nice 10) of each thread that serves requests, once per thread, so a show's frame
/// threads (nice 0) win the cores when a flood of requests arrives. Linux sets nice per thread (`setpriority`
/// with the thread's id); elsewhere this does nothing.
enum BackgroundPriority {
    static let nice: Int32 = 10

    static func lowerThisThread() {
        #if os(Linux)
        guard !lowered else { return }
        lowered = true
        // The thread's id from /proc (Swift cannot call the variadic `syscall`, and glibc's `gettid` is not exported).
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"),
              let tid = id_t(link.split(separator: "/").last ?? "") else { return }
        if getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid) < nice {
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, nice)
        }
        #endif
    }

    #if os(Linux)
    /// Per thread (a thread-local flag: each of Swift's concurrency threads is lowered when it first serves).
    private static var lowered: Bool {
        get { pthread_getspecific(key) != nil }
        set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    #endif
}
