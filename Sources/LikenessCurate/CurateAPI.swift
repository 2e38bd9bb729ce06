import Foundation
import LikenessTaste

// MARK: - Requests and responses

/// An HTTP request as the API sees it, whatever server delivered it.
public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query, e.g. `/api/image/3f…c1.png`.
    public var path: String
    public var query: [String: String]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// What the API answers.
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
    static func json(_ status: Int, _ object: [String: Any]) -> APIResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return APIResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"], body: data)
    }

    /// `{"error": message}` with a 4xx status.
    static func error(_ status: Int, _ message: String) -> APIResponse {
        json(status, ["error": message])
    }
}

// MARK: - CurateAPI

/// The curation app's routes, independent of the HTTP server underneath (`CurateServer` adapts FlyingFox).
///
/// | route | answer |
/// |---|---|
/// | `GET /` (also `/page.css`, `/page.js`) | the page, embedded in the binary |
/// | `GET /api/candidate` | `{"id", "image", "score"}` |
/// | `GET /api/image/<id>.png[?size=N]` | the portrait, PNG, N x N (default 512) |
/// | `POST /api/rating` `{"id", "rating"}` | `{"ratings": N}` |
/// | `POST /api/undo` | `{"ratings": N, "undone": {…} or null, "candidate": {…} or null}` |
/// | `GET /api/taste` | counts, cross-validated accuracy, the model's id |
///
/// Every error is JSON `{"error": "…"}` with a 4xx status. Bodies are limited to ``maximumBodyBytes``;
/// POSTs must say `Content-Type: application/json`, and requests from another site's page are refused (403).
/// With a `token` (any address but loopback), every route needs it: as `?token=` (which sets the cookie
/// and, on `/`, redirects to the bare page), as the `likeness_token` cookie, or as `Authorization: Bearer`.
public struct CurateAPI: Sendable {
    public let studio: CurateStudio
    public let token: String?

    /// The largest request body accepted (a rating is under 100 bytes).
    public static let maximumBodyBytes = 4096
    static let cookieName = "likeness_token"

    public init(studio: CurateStudio, token: String?) {
        self.studio = studio
        self.token = token
    }

    /// A fresh random token (128 bits, hex) for a server on a non-loopback address.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64)
    }

    /// Answers one request; never throws, never traps on bad input.
    public func respond(to request: APIRequest) async -> APIResponse {
        var response = await route(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    }

    private func route(_ request: APIRequest) async -> APIResponse {
        if let refusal = crossSiteRefusal(request) { return refusal }
        var setCookie: String?
        if let token {
            if let given = request.query["token"], Self.equal(given, token) {
                setCookie = "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000"
                if request.method == "GET" && request.path == "/" {
                    return APIResponse(status: 303, headers: ["Location": "/", "Set-Cookie": setCookie!, "Cache-Control": "no-store"])
                }
            } else if !authorised(request, token: token) {
                return .error(401, "this server needs its token: open the URL it printed at start (http://…/?token=…)")
            }
        }
        guard request.body.count <= Self.maximumBodyBytes else {
            return .error(413, "request body of \(request.body.count) bytes; at most \(Self.maximumBodyBytes) allowed")
        }
        var response = await dispatch(request)
        if let setCookie { response.headers["Set-Cookie"] = setCookie }
        return response
    }

    private func dispatch(_ request: APIRequest) async -> APIResponse {
        let method = request.method, path = request.path
        func only(_ allowed: String, _ body: () async -> APIResponse) async -> APIResponse {
            guard method == allowed || (allowed == "GET" && method == "HEAD") else {
                var r = APIResponse.error(405, "\(path) answers \(allowed) only")
                r.headers["Allow"] = allowed
                return r
            }
            return await body()
        }
        switch path {
        case "/", "/index.html":
            return await only("GET") { CurateAssets.response(.page) }
        case "/page.css":
            return await only("GET") { CurateAssets.response(.style) }
        case "/page.js":
            return await only("GET") { CurateAssets.response(.script) }
        case "/api/candidate":
            return await only("GET") { await candidate() }
        case "/api/rating":
            return await only("POST") { await rating(request.body) }
        case "/api/undo":
            return await only("POST") { await undo() }
        case "/api/taste":
            return await only("GET") { await taste() }
        default:
            if path.hasPrefix("/api/image/") {
                return await only("GET") { await image(path: path, query: request.query) }
            }
            return .error(404, "no route \(path); the API is GET /api/candidate, GET /api/image/<id>.png, POST /api/rating, POST /api/undo, GET /api/taste")
        }
    }

    // MARK: Routes

    private func candidate() async -> APIResponse {
        do {
            let c = try await studio.perform { try $0.nextCandidate() }
            return .json(200, Self.object(c))
        } catch {
            return Self.failure(error)
        }
    }

    private func image(path: String, query: [String: String]) async -> APIResponse {
        let name = String(path.dropFirst("/api/image/".count))
        guard name.hasSuffix(".png") else { return .error(404, "images are /api/image/<id>.png") }
        let id = String(name.dropLast(4))
        guard Self.isID(id) else { return .error(404, "unknown candidate '\(id.prefix(64))'") }
        var size = CurateStudio.defaultSize
        if let text = query["size"] {
            guard let n = Int(text), CurateStudio.sizes.contains(n) else {
                return .error(400, "size must be a whole number \(CurateStudio.sizes.lowerBound) to \(CurateStudio.sizes.upperBound), got '\(text.prefix(32))'")
            }
            size = n
        }
        do {
            let side = size
            let png = try await studio.perform { try $0.image(id: id, size: side) }
            return APIResponse(status: 200, headers: ["Content-Type": "image/png", "Cache-Control": "private, max-age=86400, immutable"], body: Data(png))
        } catch {
            return Self.failure(error)
        }
    }

    private func rating(_ body: Data) async -> APIResponse {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .error(400, "the body must be a JSON object {\"id\": \"…\", \"rating\": \"like\"}")
        }
        guard let id = object["id"] as? String, Self.isID(id) else {
            return .error(400, "\"id\" must be a candidate id from GET /api/candidate")
        }
        let allowed = RatingKind.allCases.map(\.rawValue)
        guard let name = object["rating"] as? String, let kind = RatingKind(rawValue: name) else {
            return .error(400, "\"rating\" must be one of \(allowed.joined(separator: ", "))")
        }
        do {
            let count = try await studio.perform { try $0.rate(id: id, kind: kind) }
            return .json(200, ["ratings": count])
        } catch {
            return Self.failure(error)
        }
    }

    private func undo() async -> APIResponse {
        do {
            let result = try await studio.perform { studio -> (Int, Rating?, CurateStudio.Candidate?) in
                let undone = try studio.undo()
                return (studio.summary().ratings, undone?.rating, undone?.candidate)
            }
            var object: [String: Any] = ["ratings": result.0, "undone": NSNull(), "candidate": NSNull()]
            if let r = result.1 { object["undone"] = ["rating": r.kind.rawValue] }
            if let c = result.2 { object["candidate"] = Self.object(c) }
            return .json(200, object)
        } catch {
            return Self.failure(error)
        }
    }

    private func taste() async -> APIResponse {
        let s = await (try? studio.perform { $0.summary() })
        guard let s else { return .error(500, "the studio is not available") }
        var counts: [String: Int] = [:]
        for (kind, n) in s.counts { counts[kind.rawValue] = n }
        return .json(200, [
            "model": s.modelID, "modelName": s.modelName, "counts": counts, "ratings": s.ratings,
            "otherModelRatings": s.otherModelRatings, "accuracy": s.accuracy.map { $0 as Any } ?? NSNull(),
            "file": s.file, "curator": s.curator.map { $0 as Any } ?? NSNull(),
            "refitSeconds": (s.refitSeconds * 1e6).rounded() / 1e6,
        ])
    }

    // MARK: Helpers

    /// Requests another site's page could make: a rating or undo posted as a form (no JSON type, so no CORS
    /// preflight), any request whose `Origin` is not this server, and, on loopback, a `Host` that is not a
    /// loopback name (DNS rebinding).
    private func crossSiteRefusal(_ request: APIRequest) -> APIResponse? {
        let host = request.headers["host"] ?? ""
        if token == nil, !host.isEmpty, !Self.isLoopbackHost(host) {
            return .error(403, "this server answers to 127.0.0.1 or localhost only, not '\(host.prefix(64))'")
        }
        if let origin = request.headers["origin"], origin != "null", !host.isEmpty,
           origin != "http://\(host)" {
            return .error(403, "requests from another site (\(origin.prefix(64))) are refused")
        }
        if request.method == "POST", !(request.headers["content-type"] ?? "").lowercased().hasPrefix("application/json") {
            return .error(415, "POST bodies must be JSON (Content-Type: application/json)")
        }
        return nil
    }

    /// `127.x.x.x`, `localhost` or `[::1]`, with or without a port.
    static func isLoopbackHost(_ host: String) -> Bool {
        let name: Substring
        if host.hasPrefix("[") {
            name = host.dropFirst().prefix { $0 != "]" }
        } else {
            name = host.prefix { $0 != ":" }
        }
        return name == "localhost" || name == "::1" || name.hasPrefix("127.")
    }

    static func object(_ c: CurateStudio.Candidate) -> [String: Any] {
        ["id": c.id, "image": "/api/image/\(c.id).png", "score": c.score.map { ($0 * 1000).rounded() / 1000 as Any } ?? NSNull()]
    }

    static func failure(_ error: any Error) -> APIResponse {
        guard let taste = error as? TasteError else { return APIResponse.error(500, "\(error)") }
        switch taste {
        case .unknownCandidate: return APIResponse.error(404, taste.description)
        case .alreadyRated: return APIResponse.error(409, taste.description)
        case .invalidArgument: return APIResponse.error(400, taste.description)
        case .fileNotFound, .database: return APIResponse.error(500, taste.description)
        }
    }

    /// Ids are 32 lowercase hex digits; anything else is unknown without a look-up.
    static func isID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
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
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
