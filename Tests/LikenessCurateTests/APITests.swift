import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LikenessCurate
import LikenessServer
import LikenessShow
import LikenessTaste
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtureModelURL = packageRoot.appendingPathComponent("Tests/Fixtures/models/tiny-generator.onnx")

/// A curation server on an ephemeral loopback port, over the fixture model and a fresh taste file.
struct LiveServer {
    let server: CurateServer
    let task: Task<Void, any Error>
    let base: URL
    let tasteURL: URL
    let token: String?

    static func start(host: String = "127.0.0.1", token: String? = nil) async throws -> LiveServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-curate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tasteURL = folder.appendingPathComponent("taste.sqlite")
        let model = try LoadedModel.load(url: fixtureModelURL)
        let studio = try CurateStudio(store: try TasteStore(url: tasteURL), model: model, truncation: 0.8, seed: 1)
        let server = try CurateServer(api: CurateAPI(studio: studio, token: token), host: host, port: 0)
        let task = Task { try await server.run() }
        let port = try await server.listeningPort()
        return LiveServer(server: server, task: task, base: URL(string: "http://127.0.0.1:\(port)")!, tasteURL: tasteURL, token: token)
    }

    func stop() async {
        await server.stop()
        task.cancel()
    }

    /// One request; returns status, headers and body.
    func call(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws
        -> (status: Int, headers: [String: String], body: Data)
    {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.httpBody = body
        request.httpShouldHandleCookies = false
        if method == "POST" { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        let session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields { fields[String(describing: k).lowercased()] = String(describing: v) }
        return (http.statusCode, fields, data)
    }

    func json(_ method: String, _ path: String, _ object: Any? = nil, headers: [String: String] = [:]) async throws
        -> (status: Int, object: [String: Any])
    {
        let body = try object.map { try JSONSerialization.data(withJSONObject: $0) }
        var h = headers
        if body != nil { h["Content-Type"] = "application/json" }
        let r = try await call(method, path, body: body, headers: h)
        return (r.status, (try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]) ?? [:])
    }
}

final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// Writes raw bytes to the server and closes: for requests no HTTP client would send.
func sendRaw(_ bytes: [UInt8], port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return }
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var buffer = [UInt8](repeating: 0, count: 512)
    var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = recv(fd, &buffer, buffer.count, 0)
}

@Suite(.serialized) struct CurateAPITests {
    @Test func everyRouteOverRealHTTP() async throws {
        let live = try await LiveServer.start()
        defer { Task { await live.stop() } }

        let page = try await live.call("GET", "/")
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("<main id=\"stage\">"))
        #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(try await live.call("GET", "/page.js").status == 200)
        #expect(try await live.call("GET", "/page.css").headers["content-type"]?.hasPrefix("text/css") == true)

        let taste0 = try await live.json("GET", "/api/taste")
        #expect(taste0.status == 200 && taste0.object["ratings"] as? Int == 0)
        #expect((taste0.object["model"] as? String)?.count == 64)
        #expect(taste0.object["accuracy"] is NSNull)

        let candidate = try await live.json("GET", "/api/candidate")
        #expect(candidate.status == 200)
        let id = try #require(candidate.object["id"] as? String)
        #expect(candidate.object["image"] as? String == "/api/image/\(id).png")
        #expect(candidate.object["score"] is NSNull, "no taste model before any rating")

        let image = try await live.call("GET", "/api/image/\(id).png")
        #expect(image.status == 200 && image.headers["content-type"] == "image/png")
        #expect(Array(image.body.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        let small = try await live.call("GET", "/api/image/\(id).png?size=64")
        #expect(small.status == 200 && small.body.count < image.body.count)

        let rated = try await live.json("POST", "/api/rating", ["id": id, "rating": "like"])
        #expect(rated.status == 200 && rated.object["ratings"] as? Int == 1)
        #expect(try TasteStore(url: live.tasteURL).ratings(modelID: taste0.object["model"] as! String).count == 1,
                "the rating is in the file when the answer arrives")
        #expect(try await live.json("POST", "/api/rating", ["id": id, "rating": "dislike"]).status == 409)

        let undone = try await live.json("POST", "/api/undo")
        #expect(undone.status == 200 && undone.object["ratings"] as? Int == 0)
        #expect((undone.object["undone"] as? [String: Any])?["rating"] as? String == "like")
        let again = try #require((undone.object["candidate"] as? [String: Any])?["id"] as? String)
        #expect(try await live.call("GET", "/api/image/\(again).png").status == 200, "the undone portrait can be shown again")
        #expect(try await live.json("POST", "/api/undo").object["undone"] is NSNull)

        for kind in ["like", "dislike", "favourite", "skip"] {
            let c = try await live.json("GET", "/api/candidate").object["id"] as! String
            #expect(try await live.json("POST", "/api/rating", ["id": c, "rating": kind]).status == 200)
        }
        let taste = try await live.json("GET", "/api/taste").object
        #expect(taste["ratings"] as? Int == 4)
        #expect((taste["counts"] as? [String: Int]) == ["like": 1, "dislike": 1, "favourite": 1, "skip": 1])
    }

    @Test func badRequestsGetJSONErrorsAndTheServerGoesOn() async throws {
        let live = try await LiveServer.start()
        defer { Task { await live.stop() } }
        let id = try await live.json("GET", "/api/candidate").object["id"] as! String

        func expectError(_ r: (status: Int, headers: [String: String], body: Data), _ status: Int, _ what: String) {
            #expect(r.status == status, "\(what): status \(r.status)")
            let object = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]
            #expect(object?["error"] is String, "\(what): body \(String(decoding: r.body, as: UTF8.self))")
            #expect(r.headers["content-type"]?.hasPrefix("application/json") == true, "\(what)")
        }
        expectError(try await live.call("POST", "/api/rating", body: Data("{not json".utf8)), 400, "malformed JSON")
        expectError(try await live.call("POST", "/api/rating", body: Data("[1, 2]".utf8)), 400, "not an object")
        expectError(try await live.call("POST", "/api/rating", body: Data(#"{"id": "\#(id)", "rating": "meh"}"#.utf8)), 400, "unknown rating")
        expectError(try await live.call("POST", "/api/rating", body: Data(#"{"id": 42, "rating": "like"}"#.utf8)), 400, "id not a string")
        expectError(try await live.call("POST", "/api/rating", body: Data(#"{"id": "0123456789abcdef0123456789abcdef", "rating": "like"}"#.utf8)), 404, "unknown id")
        expectError(try await live.call("GET", "/api/image/0123456789abcdef0123456789abcdef.png"), 404, "unknown image")
        expectError(try await live.call("GET", "/api/image/../../etc/passwd"), 404, "a path for an id")
        expectError(try await live.call("GET", "/api/image/\(id).png?size=5000"), 400, "size too large")
        expectError(try await live.call("GET", "/api/image/\(id).png?size=abc"), 400, "size not a number")
        expectError(try await live.call("GET", "/api/rating"), 405, "wrong method")
        expectError(try await live.call("DELETE", "/api/taste"), 405, "wrong method")
        expectError(try await live.call("GET", "/nothing/here"), 404, "unknown route")
        expectError(try await live.call("POST", "/api/undo", body: Data("a=1".utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"]),
                    415, "a form post (what another site's page can send without asking)")
        expectError(try await live.call("POST", "/api/undo", body: Data("{}".utf8), headers: ["Origin": "http://evil.example"]), 403, "another origin")
        expectError(try await live.call("GET", "/api/taste", headers: ["Host": "evil.example:8321"]), 403, "DNS rebinding")
        let big = Data(repeating: UInt8(ascii: "a"), count: 200_000)
        expectError(try await live.call("POST", "/api/rating", body: big), 413, "oversized body")
        // Garbage instead of HTTP, and a truncated request: the connection closes, the server answers the next one.
        let port = UInt16(live.base.port!)
        sendRaw(Array("\u{01}\u{02}GARBAGE \r\n\r\n\r\n".utf8), port: port)
        sendRaw(Array("POST /api/rating HTTP/1.1\r\nContent-Length: -5\r\n\r\n".utf8), port: port)
        sendRaw(Array("POST /api/rating HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"id\"".utf8), port: port)
        #expect(try await live.json("GET", "/api/taste").status == 200)
        #expect(try await live.json("POST", "/api/rating", ["id": id, "rating": "like"]).object["ratings"] as? Int == 1)
    }

    @Test func aServerOffLoopbackAnswers401WithoutItsToken() async throws {
        let token = CurateAPI.newToken()
        let live = try await LiveServer.start(host: "0.0.0.0", token: token)
        defer { Task { await live.stop() } }
        for (method, path) in [("GET", "/"), ("GET", "/page.js"), ("GET", "/api/candidate"), ("GET", "/api/taste"),
                               ("POST", "/api/rating"), ("POST", "/api/undo"), ("GET", "/api/image/x.png"), ("GET", "/nope")] {
            let r = try await live.call(method, path)
            #expect(r.status == 401, "\(method) \(path) gave \(r.status)")
            #expect((try? JSONSerialization.jsonObject(with: r.body) as? [String: Any])?["error"] is String)
        }
        #expect(try await live.call("GET", "/api/taste?token=wrong").status == 401)
        #expect(try await live.call("GET", "/api/taste", headers: ["Cookie": "likeness_token=\(token.dropLast())x"]).status == 401)
        // The printed URL: sets the cookie and sends the browser to the bare page.
        let entry = try await live.call("GET", "/?token=\(token)")
        #expect(entry.status == 303 && entry.headers["location"] == "/")
        #expect(entry.headers["set-cookie"]?.hasPrefix("likeness_token=\(token);") == true)
        #expect(entry.headers["set-cookie"]?.contains("HttpOnly") == true)
        #expect(try await live.call("GET", "/", headers: ["Cookie": "other=1; likeness_token=\(token)"]).status == 200)
        #expect(try await live.json("GET", "/api/candidate", headers: ["Authorization": "Bearer \(token)"]).status == 200)
    }

    @Test func loopbackAddressesNeedNoToken() {
        #expect(CurateServer.isLoopback("127.0.0.1") && CurateServer.isLoopback("::1"))
        #expect(!CurateServer.isLoopback("0.0.0.0") && !CurateServer.isLoopback("192.168.1.20"))
    }
}

@Suite struct CurateFuzzTests {
    /// Random methods, paths, queries, headers and bodies straight into the API: every answer is a status
    /// the API documents, every error a JSON object, and nothing traps.
    @Test func randomRequestsGetDocumentedAnswers() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let studio = try CurateStudio(store: try TasteStore(url: folder.appendingPathComponent("t.sqlite")),
                                      model: try LoadedModel.load(url: fixtureModelURL), truncation: 0.8, seed: 2)
        let open = CurateAPI(studio: studio, token: nil), guarded = CurateAPI(studio: studio, token: "secret")
        var rng = SystemRandomNumberGenerator()
        let pieces = ["/", "/api", "/api/", "/api/candidate", "/api/image/", "/api/rating", "/api/undo", "/api/taste", ".png",
                      "..", "%00", "0123456789abcdef0123456789abcdef", "?", "ü", "//", "page.js", "\u{0}"]
        let bodies = ["", "{}", "[]", "null", "{\"id\":", "{\"id\": \"0123456789abcdef0123456789abcdef\", \"rating\": \"like\"}",
                      "{\"rating\": 5}", String(repeating: "{", count: 3000), "\u{FEFF}{}"]
        let allowed: Set<Int> = [200, 303, 400, 401, 403, 404, 405, 409, 413, 415]
        for _ in 0..<400 {
            let path = (0..<Int.random(in: 1...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var headers: [String: String] = ["host": "127.0.0.1:8321"]
            if Bool.random(using: &rng) { headers["content-type"] = ["application/json", "text/plain", ""].randomElement(using: &rng)! }
            if Int.random(in: 0..<5, using: &rng) == 0 { headers["origin"] = ["http://127.0.0.1:8321", "http://evil", "null"].randomElement(using: &rng)! }
            if Int.random(in: 0..<5, using: &rng) == 0 { headers["cookie"] = ["likeness_token=secret", "likeness_token=", ";;=;"].randomElement(using: &rng)! }
            var body = Data(bodies.randomElement(using: &rng)!.utf8)
            if Int.random(in: 0..<20, using: &rng) == 0 { body = Data((0..<Int.random(in: 0...6000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
            let query = Bool.random(using: &rng) ? ["size": ["5", "512", "-1", "x", "99999999999999999999"].randomElement(using: &rng)!] : [:]
            let request = APIRequest(method: ["GET", "POST", "HEAD", "PUT", "DELETE", "get", ""].randomElement(using: &rng)!,
                                     path: path, query: query, headers: headers, body: body)
            for api in [open, guarded] {
                let response = await api.respond(to: request)
                #expect(allowed.contains(response.status), "\(request.method) \(path) → \(response.status)")
                if response.status >= 400 {
                    let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
                    #expect(object?["error"] is String, "\(request.method) \(path): \(String(decoding: response.body, as: UTF8.self))")
                }
            }
        }
    }

    /// Random bytes over real sockets: each connection closes or gets an answer, and the server keeps answering.
    @Test func garbageOnTheWireNeverStopsTheServer() async throws {
        let live = try await LiveServer.start()
        defer { Task { await live.stop() } }
        var rng = SystemRandomNumberGenerator()
        let port = UInt16(live.base.port!)
        let starts = ["GET / HTTP/1.1\r\n", "POST /api/rating HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
                      "GET /api/taste HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n", "\r\n\r\n", "", "GET /" + String(repeating: "a", count: 9000)]
        for _ in 0..<24 {
            var bytes = Array(starts.randomElement(using: &rng)!.utf8)
            bytes += (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            sendRaw(bytes, port: port)
        }
        #expect(try await live.json("GET", "/api/taste").status == 200)
    }
}
