import Foundation
import LikenessServer
import LikenessTaste

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
/// Every error is JSON `{"error": "…"}` with a 4xx status. The token, cross-site refusals and the body limit are
/// the ``ServerGate``'s, shared with the remote control.
public struct CurateAPI: Sendable {
    public let studio: CurateStudio
    public let gate: ServerGate
    public var token: String? { gate.token }

    public init(studio: CurateStudio, token: String?) {
        self.studio = studio
        gate = ServerGate(token: token)
    }

    /// A fresh random token for a server on a non-loopback address.
    public static func newToken() -> String { ServerGate.newToken() }

    /// Answers one request; never throws, never traps on bad input.
    public func respond(to request: APIRequest) async -> APIResponse {
        await gate.respond(to: request) { await dispatch($0) }
    }

    private func dispatch(_ request: APIRequest) async -> APIResponse {
        let method = request.method, path = request.path
        func only(_ allowed: String, _ body: () async -> APIResponse) async -> APIResponse {
            guard method == allowed || (allowed == "GET" && method == "HEAD") else { return .methodNotAllowed(path, allowed: allowed) }
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
        guard Self.isID(id) else { return .error(404, "unknown candidate '\(APIResponse.echo(id, limit: 64))'") }
        var size = CurateStudio.defaultSize
        if let text = query["size"] {
            guard let n = Int(text), CurateStudio.sizes.contains(n) else {
                return .error(400, "size must be a whole number \(CurateStudio.sizes.lowerBound) to \(CurateStudio.sizes.upperBound), got '\(APIResponse.echo(text, limit: 32))'")
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
}
