import ArgumentParser
import Foundation
import LikenessCurate
import LikenessShow
import LikenessTaste

// MARK: - curate

/// `likeness curate`: the swipe app that teaches the show the artist's taste.
struct Curate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rate portraits in a web browser to teach the show your taste (a swipe app served by this program).",
        discussion: """
        Open the printed address in a browser: → like, ← dislike, ↑ favourite, ↓ or space skip, Backspace undo, \
        or swipe on a phone. Every rating is saved to the taste file before the page moves on. An exhibition \
        uses it with [taste] file = "taste.sqlite". On any address but 127.0.0.1 the server needs the random \
        token in the printed address (kept as a cookie).
        """
    )

    @Argument(help: ArgumentHelp("The exhibition file (its model and truncation; its [taste] file unless --taste).", valueName: "exhibition"))
    var exhibition: String = "Exhibition/default.toml"

    @Option(help: ArgumentHelp("The taste file to write (SQLite; created if missing). Default: the exhibition's [taste] file, else taste.sqlite.", valueName: "file"))
    var taste: String?

    @Option(help: ArgumentHelp("Port to listen on (0 = any free port).", valueName: "port"))
    var port: Int = 8321

    @Option(help: ArgumentHelp("Address to listen on: 127.0.0.1 (this machine), or 0.0.0.0 to rate from a phone on the same network (needs the printed token).", valueName: "address"))
    var listen: String = "127.0.0.1"

    @Option(help: ArgumentHelp("Use this model (.onnx) instead of the exhibition's [model] path.", valueName: "path"))
    var model: String?

    @Option(help: ArgumentHelp("Seed of the candidates (default: a new one each run).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Your name, stored in the taste file; shows credit it as \"curated by NAME\".", valueName: "name"))
    var curator: String?

    @Option(help: ArgumentHelp("Share of candidates drawn at random; the others are where the taste model is least sure.", valueName: "share"))
    var exploration: Double = 0.25

    func validate() throws {
        if !(0...1).contains(exploration) { throw ValidationError("--exploration must be 0 to 1, got \(exploration)") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be 0 to 65535, got \(port)") }
    }

    func run() async throws {
        do {
            let exhibition = try Exhibition.load(contentsOf: URL(fileURLWithPath: self.exhibition))
            let loaded = try LoadedModel.load(for: exhibition, overridePath: model)
            let tasteURL = exhibition.tasteFile(overridePath: taste) ?? URL(fileURLWithPath: "taste.sqlite")
            let store = try TasteStore(url: tasteURL)
            if let curator { try store.set("curator", to: curator.isEmpty ? nil : curator) }
            let studio = try CurateStudio(store: store, model: loaded, truncation: exhibition.motion.truncation,
                                          seed: seed ?? UInt64.random(in: 0...UInt64.max), exploration: exploration)
            let loopback = CurateServer.isLoopback(listen)
            let token = loopback ? nil : CurateAPI.newToken()
            let server = try CurateServer(api: CurateAPI(studio: studio, token: token), host: listen, port: UInt16(port),
                                          log: { note($0) })
            let serving = Task { try await server.run() }
            let actualPort = try await server.listeningPort()
            let shownHost = listen == "0.0.0.0" || listen == "::" ? Self.hostName() : (listen.contains(":") ? "[\(listen)]" : listen)
            let address = "http://\(shownHost):\(actualPort)/" + (token.map { "?token=\($0)" } ?? "")
            let summary = studio.summary()
            // Unbuffered: a script waiting for the address reads it at once.
            FileHandle.standardOutput.write(Data("""
                curate: open \(address)
                curate: ratings go to \(tasteURL.path) (\(summary.ratings) so far for \(loaded.info.name)); Ctrl-C stops

                """.utf8))
            try await withTaskCancellationHandler {
                try await Self.waitForStopSignal()
            } onCancel: {
                serving.cancel()
            }
            await server.stop()
            serving.cancel()
        } catch {
            throw fail(error)
        }
    }

    /// Returns on SIGINT or SIGTERM.
    static func waitForStopSignal() async throws {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .main) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            for source in sources {
                source.setEventHandler { if once.claim() { continuation.resume() } }
                source.resume()
            }
        }
        sources.forEach { $0.cancel() }
    }

    /// This machine's name for the printed address when listening on every interface.
    static func hostName() -> String {
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty ? "localhost" : name
    }
}

/// True the first time only.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
