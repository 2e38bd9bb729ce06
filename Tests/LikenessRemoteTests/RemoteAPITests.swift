import Foundation
import LikenessMedia
import LikenessServer
import LikenessShow
import Testing
@testable import LikenessRemote

/// A show that applies commands when told to (or at once), with two screens.
final class FakeShow: RemoteShow, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var posted: [(ShowCommand, String)] = []
    var applyAtOnce = true
    var current: ShowStatus? = ShowStatus(title: "Test show", open: true, nextChange: "closes Mon 7 Dec 18:00 (UTC)", overlay: false,
                                          modelName: "met", modelCredit: "Trained on \"1042\" portraits",
                                          screens: [ShowStatus.Screen(name: "left", seed: 1, level: 2, maximumLevel: 2, framesPerSecond: 29.5, speed: 1,
                                                                      showTime: 12.5, behindSeconds: 0.1, sitter: 1, framesShown: 300, producers: 1,
                                                                      aheadFrames: 2, frameMilliseconds: 24),
                                                    ShowStatus.Screen(name: "right", seed: 2, sitter: nil)])
    func status() -> ShowStatus? { lock.withLock { current } }
    func post(_ command: ShowCommand, source: String) -> Int {
        lock.withLock {
            posted.append((command, source))
            if applyAtOnce {
                current?.commandsApplied = posted.count
                if command == .pause { current?.paused = true }
            }
            return posted.count
        }
    }
    var commandsApplied: Int { lock.withLock { current?.commandsApplied ?? 0 } }
    var commandsBySource: [String: Int] { lock.withLock { Dictionary(posted.map { ($0.1, 1) }, uniquingKeysWith: +) } }
    func frame(screen index: Int) async -> Frame? {
        guard index == 0 else { return nil }
        var f = Frame(width: 64, height: 48)
        for i in f.pixels.indices { f.pixels[i] = UInt8(i % 251) }
        return f
    }
}

@Suite struct RemoteAPITests {
    let show = FakeShow()
    var api: RemoteAPI { RemoteAPI(show: show, token: nil, version: "9.9") }

    func get(_ path: String, query: [String: String] = [:], api: RemoteAPI? = nil, peer: String = "127.0.0.1:5000",
             headers: [String: String] = ["host": "127.0.0.1:8322"]) async -> APIResponse {
        await (api ?? self.api).respond(to: APIRequest(method: "GET", path: path, query: query, headers: headers, peer: peer))
    }

    func post(_ body: String, api: RemoteAPI? = nil, peer: String = "127.0.0.1:5000") async -> APIResponse {
        await (api ?? self.api).respond(to: APIRequest(method: "POST", path: "/api/command", headers: ["host": "127.0.0.1:8322", "content-type": "application/json"],
                                                       body: Data(body.utf8), peer: peer))
    }

    func object(_ r: APIResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]) ?? [:]
    }

    @Test("status: every documented key, null where nothing is known")
    func status() async throws {
        let r = await get("/api/status")
        #expect(r.status == 200 && r.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let o = object(r)
        for key in ["title", "version", "uptime", "open", "nextChange", "paused", "blackout", "model", "screens", "lastError"] {
            #expect(o.keys.contains(key), "\(key)")
        }
        #expect(o["version"] as? String == "9.9" && (o["model"] as? [String: Any])?["name"] as? String == "met")
        let screens = try #require(o["screens"] as? [[String: Any]])
        #expect(screens.count == 2 && screens[0]["sitter"] as? Int == 1 && screens[0]["level"] as? Int == 2)
        #expect(screens[1]["sitter"] is NSNull && screens[1]["showTime"] is NSNull)
        for key in ["name", "level", "framesPerSecond", "speed", "showTime", "behindSeconds", "sitter", "seed"] { #expect(screens[0].keys.contains(key), "\(key)") }
        show.current = nil
        #expect(await get("/api/status").status == 503)
    }

    @Test("commands: through the queue, answered with the status that shows them; bad ones are 400s that say why")
    func commands() async {
        let r = await post(#"{"command": "pause"}"#)
        #expect(r.status == 200 && object(r)["paused"] as? Bool == true)
        #expect(await post(#"{"command": "speed", "value": 0.5}"#).status == 200)
        #expect(await post(#"{"command": "speed", "value": 1}"#).status == 200, "a whole number is a number")
        #expect(await post(#"{"command": "blackout", "value": true}"#).status == 200)
        #expect(await post(#"{"command": "overlay"}"#).status == 200)
        #expect(show.posted.map(\.0) == [.pause, .setSpeed(0.5), .setSpeed(1), .blackout(true), .overlay(true)] && show.posted.allSatisfy { $0.1 == "http" })
        for (body, words) in [(#"{"command": "speed", "value": 1000}"#, "0.01 to 100"), (#"{"command": "speed", "value": true}"#, "number"),
                              (#"{"command": "truncation"}"#, "0.05 to 2"), (#"{"command": "dance"}"#, "unknown command"),
                              (#"{"command": 3}"#, "one of"), ("not json", "JSON object"), (#"{"command": "blackout", "value": "on"}"#, "true or false")] {
            let bad = await post(body)
            #expect(bad.status == 400 && (object(bad)["error"] as? String)?.contains(words) == true, "\(body): \(String(decoding: bad.body, as: UTF8.self))")
        }
        let form = await api.respond(to: APIRequest(method: "POST", path: "/api/command", headers: ["host": "127.0.0.1", "content-type": "application/x-www-form-urlencoded"],
                                                    body: Data("command=pause".utf8)))
        #expect(form.status == 415)
        #expect(await get("/api/command").status == 405)
    }

    /// On a clock that moves a tenth of a second at each look, so the test does not depend on the machine's load.
    @Test("a command the show never applies is a 503 after a second of waiting, not a hang")
    func unappliedCommand() async {
        show.applyAtOnce = false
        let now = TestClock()
        let api = RemoteAPI(show: show, token: nil, version: "1", clock: {
            now.value += 0.1
            return now.value
        })
        let r = await post(#"{"command": "next"}"#, api: api)
        #expect(r.status == 503 && (object(r)["error"] as? String)?.contains("within a second") == true)
        #expect(now.value < 100 + 1.5, "it gave up after about a second of its clock")
    }

    @Test("commands are rate-limited per client: a burst of 20, then 10 a second; other clients are not affected")
    func commandLimit() async {
        let api = RemoteAPI(show: show, token: nil, version: "1", clock: { 100 })
        var statuses: [Int] = []
        for _ in 0..<25 { statuses.append(await post(#"{"command": "next"}"#, api: api).status) }
        #expect(statuses.prefix(20).allSatisfy { $0 == 200 } && statuses.suffix(5).allSatisfy { $0 == 429 }, "\(statuses)")
        let limited = await post(#"{"command": "next"}"#, api: api)
        #expect(limited.headers["Retry-After"] == "1" && (object(limited)["error"] as? String)?.contains("10 a second") == true)
        #expect(await post(#"{"command": "next"}"#, api: api, peer: "127.0.0.2:9").status == 200)
    }

    @Test("snapshots: PNG and JPEG of the screen's frame, scaled on request, by name or index; bad ones say why")
    func snapshots() async throws {
        let png = await get("/api/snapshot/left.png")
        #expect(png.status == 200 && png.headers["Content-Type"] == "image/png")
        let decoded = try PNGCodec.decode([UInt8](png.body))
        #expect(decoded.width == 64 && decoded.height == 48)
        let jpg = await get("/api/snapshot/0.jpg", query: ["width": "32"], peer: "127.0.0.9:1")
        #expect(jpg.status == 200 && jpg.headers["Content-Type"] == "image/jpeg" && Array(jpg.body.prefix(2)) == [0xFF, 0xD8])
        let scaled = await get("/api/snapshot/left.png", query: ["width": "32"], peer: "127.0.0.8:1")
        #expect(try PNGCodec.decode([UInt8](scaled.body)).height == 24)
        #expect(await get("/api/snapshot/middle.png").status == 404)
        #expect(await get("/api/snapshot/right.png", peer: "127.0.0.7:1").status == 404, "no frame on the right")
        #expect(await get("/api/snapshot/left.gif").status == 404)
        #expect(await get("/api/snapshot/left.png", query: ["width": "9"]).status == 400)
        let api = self.api
        var codes: [Int] = []
        for _ in 0..<6 { codes.append(await get("/api/snapshot/left.jpg", api: api, peer: "10.1.1.1:1").status) }
        #expect(codes.prefix(4).allSatisfy { $0 == 200 } && codes.last == 429, "\(codes)")
    }

    @Test("metrics: the Prometheus text format with every family the issue names")
    func metrics() async {
        _ = await post(#"{"command": "next"}"#)
        let r = await get("/metrics")
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 200 && r.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        for family in ["likeness_frames_shown_total", "likeness_new_frames_per_second", "likeness_speed_ratio", "likeness_behind_wall_clock_seconds",
                       "likeness_detail_level", "likeness_stage_milliseconds", "likeness_open", "likeness_commands_total", "process_resident_memory_bytes",
                       "process_cpu_seconds_total"] {
            #expect(text.contains("# TYPE \(family) "), "\(family)")
        }
        #expect(text.contains("likeness_frames_shown_total{screen=\"left\"} 300\n"))
        #expect(text.contains("likeness_commands_total{source=\"http\"} 1\n"))
        #expect(RemoteMetrics.escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        #expect(RemoteMetrics.format(3) == "3" && RemoteMetrics.format(.nan) == "NaN" && RemoteMetrics.format(0.25) == "0.25")
        // Every sample line is `name{labels} value`, every family has HELP and TYPE.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2 || line.contains("\""), "\(line)")
        }
    }

    @Test("the process's figures come from /proc/self/stat, whose command may hold spaces and parentheses")
    func processFigures() throws {
        let stat = "4242 (likeness (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 7 0 12345 123456789 2048 18446744073709551615"
        let p = try #require(ProcessFigures.parse(stat: stat, pageSize: 4096, ticksPerSecond: 100, openFileDescriptors: 12))
        #expect(p.cpuSeconds == 3 && p.threads == 7 && p.virtualBytes == 123_456_789 && p.residentBytes == 2048 * 4096)
        #expect(ProcessFigures.read() != nil)
    }

    @Test("OpenAPI 3: valid JSON naming every route the API answers")
    func openAPI() async throws {
        let r = await get("/api/openapi.json")
        let doc = object(r)
        #expect(doc["openapi"] as? String == "3.0.3")
        let paths = try #require(doc["paths"] as? [String: Any])
        for path in ["/api/status", "/api/command", "/api/snapshot/{screen}.png", "/api/snapshot/{screen}.jpg", "/metrics", "/api/openapi.json", "/"] {
            #expect(paths[path] != nil, "\(path)")
        }
        let commands = (((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])?["Command"] as? [String: Any])
        #expect(((commands?["properties"] as? [String: Any])?["command"] as? [String: Any])?["enum"] as? [String] == RemoteAPI.commandNames)
    }

    @Test("the page and its assets are served under the embedded pages' policy")
    func page() async {
        for path in ["/", "/index.html", "/page.css", "/page.js"] {
            let r = await get(path)
            #expect(r.status == 200 && r.headers["Content-Security-Policy"]?.contains("script-src 'self'") == true, "\(path)")
        }
        #expect(await get("/nothing").status == 404)
    }

    @Test("off loopback every route needs the token; on loopback a foreign Host is refused")
    func token() async {
        let guarded = RemoteAPI(show: show, token: "secret", version: "1")
        #expect(await get("/api/status", api: guarded, headers: ["host": "kiosk.local:8322"]).status == 401)
        #expect(await get("/api/status", api: guarded, headers: ["host": "kiosk.local:8322", "authorization": "Bearer secret"]).status == 200)
        let page = await get("/", query: ["token": "secret"], api: guarded, headers: ["host": "kiosk.local:8322"])
        #expect(page.status == 303 && page.headers["Set-Cookie"]?.contains("likeness_token=secret") == true)
        #expect(await get("/api/status", api: guarded, headers: ["host": "kiosk.local:8322", "cookie": "likeness_token=secret"]).status == 200)
        #expect(await get("/api/status", headers: ["host": "evil.example"]).status == 403)
        #expect(await get("/api/status", headers: ["host": "127.0.0.1:8322", "origin": "http://evil.example"]).status == 403)
    }

    @Test("a flood from one client is cut after a burst of 200 requests, then 200 a second")
    func flood() async {
        let now = TestClock()
        let api = RemoteAPI(show: show, token: nil, version: "1", clock: { now.value })
        var limited = 0
        for _ in 0..<400 where await get("/api/status", api: api, peer: "10.9.9.9:1").status == 429 { limited += 1 }
        #expect(limited == 200, "\(limited) of 400 limited")
        now.value += 0.5
        var passed = 0
        for _ in 0..<200 where await get("/api/status", api: api, peer: "10.9.9.9:1").status == 200 { passed += 1 }
        #expect(passed == 100, "half a second later, 100 more: \(passed)")
    }
}

@Suite struct OSCMappingTests {
    @Test("OSC addresses to commands; bad ones are one-line refusals")
    func mapping() {
        func command(_ address: String, _ args: [OSCArgument] = [], status: ShowStatus? = nil) -> ShowCommand? {
            try? OSCCommandHandler.command(for: OSCMessage(address, args), status: status).get()
        }
        #expect(command("/likeness/pause") == .pause && command("/likeness/resume") == .resume && command("/likeness/next") == .nextSitter)
        #expect(command("/likeness/snapshot") == .snapshot && command("/likeness/reload") == .reload)
        #expect(command("/likeness/blackout", [.int32(1)]) == .blackout(true) && command("/likeness/blackout", [.int32(0)]) == .blackout(false))
        var blackedOut = ShowStatus(title: "t")
        blackedOut.blackout = true
        #expect(command("/likeness/blackout", status: blackedOut) == .blackout(false), "no argument toggles")
        #expect(command("/likeness/overlay", [.float32(1)]) == .overlay(true))
        #expect(command("/likeness/speed", [.float32(0.5)]) == .setSpeed(0.5) && command("/likeness/speed", [.int32(2)]) == .setSpeed(2))
        #expect(command("/likeness/truncation", [.float32(0.7)]).map { if case let .setTruncation(v) = $0 { return abs(v - 0.7) < 1e-6 } else { return false } } == true)
        for (address, args) in [("/likeness/speed", [OSCArgument.float32(500)]), ("/likeness/speed", []), ("/likeness/speed", [.string("fast")]),
                                ("/likeness/truncation", [.float32(.nan)]), ("/composition/opacity", [.float32(1)]), ("/likeness/blackout", [.string("on")])] {
            let result = OSCCommandHandler.command(for: OSCMessage(address, args), status: nil)
            guard case let .failure(refusal) = result else { Issue.record("\(address) \(args) was accepted"); continue }
            #expect(!refusal.description.contains("\n"))
        }
    }

    @Test("the handler posts through the queue as 'osc', counts outcomes, and limits a flood per source")
    func handler() {
        let show = FakeShow()
        let counters = RequestCounters()
        let lines = LineSink()
        let handler = OSCCommandHandler(show: show, counters: counters, log: { lines.append($0) })
        handler.handle(.bundle(OSCBundle(elements: [.message(OSCMessage("/likeness/pause")), .message(OSCMessage("/likeness/nope"))])), from: "127.0.0.1:9000")
        #expect(show.posted.map(\.0) == [.pause] && show.posted.first?.1 == "osc")
        #expect(counters.snapshot()["applied"] == 1 && counters.snapshot()["malformed"] == 1 && lines.lines.count == 1)
        for _ in 0..<300 { handler.handle(.message(OSCMessage("/likeness/next")), from: "127.0.0.1:9000") }
        #expect((counters.snapshot()["limited"] ?? 0) > 100 && lines.lines.count <= 3, "\(counters.snapshot()) \(lines.lines)")
    }

    @Test("events: a new sitter, a level change, opening and closing, from two status snapshots")
    func events() {
        var a = ShowStatus(title: "t", open: true, screens: [ShowStatus.Screen(name: "left", seed: 1, level: 1, maximumLevel: 2, sitter: 3)])
        let first = OSCEvents.changes(from: nil, to: a)
        #expect(first.map(\.address) == ["/likeness/open", "/likeness/sitter", "/likeness/level"])
        var b = a
        b.screens[0].sitter = 4
        b.screens[0].resembles = "resembles X"
        b.screens[0].level = 2
        let second = OSCEvents.changes(from: a, to: b)
        #expect(second == [OSCMessage("/likeness/sitter", [.string("left"), .int32(4), .string("resembles X")]),
                           OSCMessage("/likeness/level", [.string("left"), .int32(2)])])
        a = b
        b.open = false
        #expect(OSCEvents.changes(from: a, to: b) == [OSCMessage("/likeness/open", [.int32(0)])])
        #expect(OSCEvents.changes(from: b, to: b).isEmpty)
    }
}

final class LineSink: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

/// Time for a rate limit that moves only when a test says so.
final class TestClock: @unchecked Sendable {
    var value = 100.0
}
