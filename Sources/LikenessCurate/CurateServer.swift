import Foundation
import LikenessServer

// MARK: - CurateServer

/// The curation app's HTTP server: ``CurateAPI`` on a ``WebServer`` (the one server module the remote control
/// uses too).
public final class CurateServer: Sendable {
    public let api: CurateAPI
    public let host: String
    public let port: UInt16
    let server: WebServer

    /// A server for `api` on `host` (an IPv4 or IPv6 address) and `port` (0 = any free port).
    public init(api: CurateAPI, host: String, port: UInt16, log: (@Sendable (String) -> Void)? = nil) throws(ServerError) {
        self.api = api
        self.host = host
        self.port = port
        server = try WebServer(host: host, port: port, name: "curate", log: log) { await api.respond(to: $0) }
    }

    /// Whether `host` is a loopback address (no token needed there).
    public static func isLoopback(_ host: String) -> Bool { WebServer.isLoopback(host) }

    /// Serves until the task is cancelled or the server stops.
    public func run() async throws(ServerError) { try await server.run() }

    /// The port it listens on once started (the one chosen when asked for 0).
    public func listeningPort(timeout: TimeInterval = 10) async throws(ServerError) -> UInt16 {
        try await server.listeningPort(timeout: timeout)
    }

    public func stop() async { await server.stop() }
}
