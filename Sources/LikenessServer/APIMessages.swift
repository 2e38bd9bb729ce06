import Foundation

// MARK: - Requests and responses

/// An HTTP request as an API sees it, whatever server delivered it (``WebServer`` adapts FlyingFox; tests and
/// fuzzers build them directly).
public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query, e.g. `/api/image/3f…c1.png`.
    public var path: String
    public var query: [String: String]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: Data
    /// The peer, "a.b.c.d:port" (empty when unknown), for rate limits and log lines.
    public var peer: String

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data(),
                peer: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
    }
}

/// What an API answers.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body (keys sorted, so answers are stable).
    public static func json(_ status: Int, _ object: [String: Any]) -> APIResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return APIResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"], body: data)
    }

    /// An encoded JSON body.
    public static func json(_ status: Int, data: Data) -> APIResponse {
        APIResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"], body: data)
    }

    /// `{"error": message}` with a 4xx (or 5xx) status.
    public static func error(_ status: Int, _ message: String) -> APIResponse {
        json(status, ["error": message])
    }

    /// 405 with `Allow`.
    public static func methodNotAllowed(_ path: String, allowed: String) -> APIResponse {
        var r = error(405, "\(echo(path, limit: 80)) answers \(allowed) only")
        r.headers["Allow"] = allowed
        return r
    }

    /// Request text quoted in an error: at most `limit` characters, control characters as `?`, so a message
    /// stays one line whatever a client sent.
    public static func echo(_ text: some StringProtocol, limit: Int = 64) -> String {
        String(text.prefix(limit).map { c -> Character in
            c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" } ? "?" : c
        })
    }

    /// 429 with `Retry-After`.
    public static func tooMany(_ message: String, retryAfter seconds: Int = 1) -> APIResponse {
        var r = error(429, message)
        r.headers["Retry-After"] = "\(seconds)"
        return r
    }
}

// MARK: - EmbeddedPage

/// The rules for a page compiled into the binary (no files to ship, no CDN): its scripts, styles and pictures
/// come from this server only, and a browser revalidates it.
public enum EmbeddedPage {
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// A page asset's response.
    public static func response(text: String, contentType: String) -> APIResponse {
        APIResponse(status: 200, headers: ["Content-Type": contentType, "Cache-Control": "no-cache",
                                           "Content-Security-Policy": contentSecurityPolicy],
                    body: Data(text.utf8))
    }
}
