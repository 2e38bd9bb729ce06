import Foundation
import LikenessMedia
import LikenessRemote
import LikenessServer
import LikenessShow

// MARK: - OSCFuzzTarget

/// The OSC decoder (``OSCPacket/decode(_:)``) and the command mapping behind it: any datagram decodes or is
/// refused with a one-line error, and a decoded one maps to a command or a one-line refusal.
public struct OSCFuzzTarget: FuzzTarget {
    public let name = "osc"
    public let fileExtension = "osc"
    public let maximumLength = 2048

    public init() {}

    public let dictionary: [[UInt8]] = {
        let words = ["/likeness/", "/likeness/pause", "/likeness/speed", "/likeness/blackout", "/likeness/truncation", "#bundle\0",
                     ",i\0\0", ",f\0\0", ",s\0\0", ",b\0\0", ",T\0\0", ",F\0\0", ",iisff\0\0", "\0\0\0\0", "\0\0\0\u{4}", "\u{7F}\u{FF}\u{FF}\u{FF}",
                     "*", "?", "[a-z]", "{a,b}", "//"]
        return words.map { Array($0.utf8) } + [[0xFF, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0], [0x7F, 0xC0, 0, 0], [0, 0, 0, 1]]
    }()

    public func run(_ input: [UInt8]) -> FuzzOutcome {
        let packet: OSCPacket
        do {
            packet = try OSCPacket.decode(input)
        } catch {
            let message = error.description
            if message.contains(where: { $0.isNewline }) { return .broken("the error message spans lines: \(message.debugDescription)") }
            return .rejectedEarly(message: message)
        }
        for message in packet.messages() {
            if case let .failure(refusal) = OSCCommandHandler.command(for: message, status: nil) {
                if refusal.description.contains(where: { $0.isNewline }) { return .broken("a refusal spans lines: \(refusal)") }
                return .rejectedLate(message: refusal.description)
            }
        }
        return .accepted
    }
}

// MARK: - RemoteRoutesFuzzTarget

/// The remote control's HTTP routes (``RemoteAPI``) behind the ``ServerGate``: an input is an HTTP request as
/// text (request line, headers, a blank line, the body), read leniently; every answer must be a status from
/// 200 to 599, and every error a JSON `{"error": …}` of one line.
public struct RemoteRoutesFuzzTarget: FuzzTarget {
    public let name = "remote"
    public let fileExtension = "http"
    public let maximumLength = 6000

    let api: RemoteAPI

    public init() {
        api = RemoteAPI(show: FuzzShow(), token: nil, version: "fuzz")
    }

    public let dictionary: [[UInt8]] = {
        ["GET ", "POST ", "HEAD ", "PUT ", " HTTP/1.1\r\n", "\r\n", "\r\n\r\n", "/api/status", "/api/command", "/api/snapshot/", "main.png", "main.jpg",
         "0.jpg", "?width=", "?width=16", "?width=99999", "/metrics", "/api/openapi.json", "/", "/page.js", "/page.css", "/index.html", "?token=",
         "Host: 127.0.0.1:8322\r\n", "Host: evil.example\r\n", "Origin: http://evil.example\r\n", "Content-Type: application/json\r\n",
         "Authorization: Bearer x\r\n", "Cookie: likeness_token=x\r\n", "{\"command\":", "\"pause\"", "\"speed\"", "\"blackout\"", "\"truncation\"",
         "\"value\":", "true", "false", "0.5", "1e308", "-1", "null", "NaN", "}", "[", "\"\\u0000\""].map { Array($0.utf8) }
    }()

    public func run(_ input: [UInt8]) -> FuzzOutcome {
        // Each input from a client of its own, so the rate limits do not turn the run into a run of 429s.
        let k = Self.clients.next()
        let request = Self.request(from: input, peer: "10.\(k >> 16 & 255).\(k >> 8 & 255).\(k & 255):1")
        let api = self.api
        let box = FuzzBox()
        let done = DispatchSemaphore(value: 0)
        // On a thread of its own: the caller blocks here, and may itself be one of Swift's few concurrency threads.
        Task.detached(executorPreference: Self.executor) {
            box.response = await api.respond(to: request)
            done.signal()
        }
        guard done.wait(timeout: .now() + 5) == .success, let response = box.response else { return .broken("no answer within 5 s") }
        guard (200..<600).contains(response.status) else { return .broken("status \(response.status)") }
        if response.status >= 400 {
            guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any], let message = object["error"] as? String else {
                return .broken("a \(response.status) without a JSON error: \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
            if message.contains(where: { $0.isNewline }) { return .broken("the error spans lines: \(message.debugDescription)") }
            return response.status == 404 || response.status == 405 ? .rejectedEarly(message: message) : .rejectedLate(message: message)
        }
        return .accepted
    }

    static let executor = ThreadTaskExecutor(name: "likeness-fuzz-remote")

    /// Request line, headers up to a blank line, the rest as the body; whatever is missing is empty.
    static let clients = Counter()

    static func request(from bytes: [UInt8], peer: String = "127.0.0.1:1") -> APIRequest {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        let line = head[0].split(separator: " ", maxSplits: 2)
        let method = line.first.map(String.init) ?? ""
        let target = line.count > 1 ? String(line[1]) : "/"
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if pathPart.count > 1 {
            for item in pathPart[1].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if query[String(kv[0])] == nil { query[String(kv[0])] = kv.count > 1 ? String(kv[1]) : "" }
            }
        }
        var headers: [String: String] = [:]
        for h in head.dropFirst() {
            let kv = h.split(separator: ":", maxSplits: 1)
            if kv.count == 2 { headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces) }
        }
        let body = Data(parts.dropFirst().joined(separator: "\r\n\r\n").utf8)
        return APIRequest(method: method, path: String(pathPart.first ?? "/"), query: query, headers: headers, body: body, peer: peer)
    }
}

/// A show that applies every command at once and shows a 32 px frame on its one screen.
final class FuzzShow: RemoteShow, @unchecked Sendable {
    private let lock = NSLock()
    private var posted = 0
    private var state = ShowStatus(title: "fuzz", screens: [ShowStatus.Screen(name: "main", seed: 1, showTime: 1, sitter: 0)])
    func status() -> ShowStatus? { lock.withLock { state } }
    func post(_ command: ShowCommand, source: String) -> Int {
        lock.withLock {
            posted += 1
            state.commandsApplied = posted
            return posted
        }
    }
    var commandsApplied: Int { lock.withLock { posted } }
    var commandsBySource: [String: Int] { lock.withLock { ["http": posted] } }
    func frame(screen index: Int) async -> Frame? { index == 0 ? Frame(width: 32, height: 32) : nil }
}

private final class FuzzBox: @unchecked Sendable {
    var response: APIResponse?
}

// MARK: - ThreadTaskExecutor

/// Runs tasks' jobs on one thread of its own, so synchronous code can wait for an async call without
/// taking one of Swift's concurrency threads out of a small pool (two on a two-core machine).
final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}
