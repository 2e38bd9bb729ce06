import Foundation

// MARK: - ServerGate

/// What every request to one of Likeness's HTTP servers passes before its route (the curation app, the
/// remote control): the token, cross-site refusals, the body limit, and the security headers of every answer.
///
/// On loopback no token is needed, but a request whose `Host` is not a loopback name is refused (DNS
/// rebinding). On any other address every route needs the token: as `?token=` (which sets the cookie and,
/// on `/`, redirects to the bare page), as the `likeness_token` cookie, or as `Authorization: Bearer`. A
/// request from another site's page is refused (403), POSTs must be JSON (a form post needs no CORS
/// preflight), bodies are at most ``maximumBodyBytes``.
public struct ServerGate: Sendable {
    public let token: String?
    /// What a 401 says (how to get the token for this server).
    public let tokenHint: String
    /// The largest request body accepted.
    public static let maximumBodyBytes = 4096
    static let cookieName = "likeness_token"

    public init(token: String?, tokenHint: String = "this server needs its token: open the URL it printed at start (http://…/?token=…)") {
        self.token = token
        self.tokenHint = tokenHint
    }

    /// A fresh random token (128 bits, hex) for a server on a non-loopback address.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64)
    }

    /// Answers `request` through `route` when it may pass, else the refusal; adds the security headers and the
    /// cookie a `?token=` sets. Never throws, never traps on bad input.
    public func respond(to request: APIRequest, route: (APIRequest) async -> APIResponse) async -> APIResponse {
        var response = await pass(request, route: route)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    }

    private func pass(_ request: APIRequest, route: (APIRequest) async -> APIResponse) async -> APIResponse {
        if let refusal = crossSiteRefusal(request) { return refusal }
        var setCookie: String?
        if let token {
            if let given = request.query["token"], Self.equal(given, token) {
                setCookie = "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000"
                if request.method == "GET" && request.path == "/" {
                    return APIResponse(status: 303, headers: ["Location": "/", "Set-Cookie": setCookie!, "Cache-Control": "no-store"])
                }
            } else if !authorised(request, token: token) {
                return .error(401, tokenHint)
            }
        }
        guard request.body.count <= Self.maximumBodyBytes else {
            return .error(413, "request body of \(request.body.count) bytes; at most \(Self.maximumBodyBytes) allowed")
        }
        var response = await route(request)
        if let setCookie { response.headers["Set-Cookie"] = setCookie }
        return response
    }

    /// Requests another site's page could make: a POST not typed as JSON (no CORS preflight), any request whose
    /// `Origin` is not this server, and, on loopback, a `Host` that is not a loopback name (DNS rebinding).
    private func crossSiteRefusal(_ request: APIRequest) -> APIResponse? {
        let host = request.headers["host"] ?? ""
        if token == nil, !host.isEmpty, !Self.isLoopbackHost(host) {
            return .error(403, "this server answers to 127.0.0.1 or localhost only, not '\(APIResponse.echo(host))'")
        }
        if let origin = request.headers["origin"], origin != "null", !host.isEmpty, origin != "http://\(host)" {
            return .error(403, "requests from another site (\(APIResponse.echo(origin))) are refused")
        }
        if request.method == "POST", !(request.headers["content-type"] ?? "").lowercased().hasPrefix("application/json") {
            return .error(415, "POST bodies must be JSON (Content-Type: application/json)")
        }
        return nil
    }

    /// `127.x.x.x`, `localhost` or `[::1]`, with or without a port (a `Host` header).
    public static func isLoopbackHost(_ host: String) -> Bool {
        let name: Substring
        if host.hasPrefix("[") {
            name = host.dropFirst().prefix { $0 != "]" }
        } else {
            name = host.prefix { $0 != ":" }
        }
        return name == "localhost" || name == "::1" || name.hasPrefix("127.")
    }

    private func authorised(_ request: APIRequest, token: String) -> Bool {
        if let auth = request.headers["authorization"], auth.hasPrefix("Bearer "), Self.equal(String(auth.dropFirst(7)), token) { return true }
        guard let cookies = request.headers["cookie"] else { return false }
        for part in cookies.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0] == Self.cookieName, Self.equal(pair[1], token) { return true }
        }
        return false
    }

    /// Compares in time independent of where the strings differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

// MARK: - RateLimit

/// A token bucket: `burst` requests at once, then `perSecond`. Pure: the caller says what time it is.
public struct RateLimit: Sendable, Equatable {
    public let perSecond: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double?

    public init(perSecond: Double, burst: Double) {
        precondition(perSecond > 0 && burst >= 1, "a rate limit needs a positive rate and a burst of at least 1")
        self.perSecond = perSecond
        self.burst = burst
        tokens = burst
    }

    /// Takes one token at `now` (seconds); false when none is left.
    public mutating func allow(now: Double) -> Bool {
        if let last { tokens = min(burst, tokens + max(0, now - last) * perSecond) }
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// Rate limits per key (a client's address), thread-safe; keeps at most `maximumKeys` keys (the oldest are
/// forgotten), so a flood from many addresses cannot grow it without bound.
public final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let make: @Sendable () -> RateLimit
    private var limits: [String: RateLimit] = [:]
    private var order: [String] = []
    private let maximumKeys: Int

    public init(perSecond: Double, burst: Double, maximumKeys: Int = 1024) {
        make = { RateLimit(perSecond: perSecond, burst: burst) }
        self.maximumKeys = maximumKeys
    }

    public func allow(_ key: String, now: Double) -> Bool {
        lock.withLock {
            var limit = limits[key] ?? make()
            if limits[key] == nil {
                order.append(key)
                if order.count > maximumKeys { limits[order.removeFirst()] = nil }
            }
            let ok = limit.allow(now: now)
            limits[key] = limit
            return ok
        }
    }
}
