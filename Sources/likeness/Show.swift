import ArgumentParser
import Foundation
import LikenessDisplay
import LikenessKiosk
import LikenessPath
import LikenessRemote
import LikenessShow

// MARK: - show

/// `likeness show`: the kiosk window(s).
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an exhibition in a window: fullscreen on the chosen display(s), or windowed.",
        discussion: "Keys: \(KeyMap.helpText).\nWithout a display, render with `likeness frames` or `likeness record` instead."
    )

    @OptionGroup var options: ExhibitionOptions

    @Flag(help: "Open a window instead of going fullscreen.")
    var windowed = false

    @Flag(help: "Start with the info overlay on.")
    var overlay = false

    @Option(help: ArgumentHelp("Stop after this many seconds (for testing a set-up).", valueName: "seconds"))
    var seconds: Double?

    @Option(help: ArgumentHelp("Before stopping (see --seconds), save a screenshot of the window to this PNG.", valueName: "png"))
    var screenshot: String?

    func run() throws {
        do {
            var exhibition = try options.load()
            if overlay { exhibition.window.overlay = true }
            let model = try LoadedModel.load(for: exhibition, overridePath: options.model)
            StopSignal.install()
            // SDL_VIDEODRIVER set on purpose (dummy, offscreen for tests) is respected; otherwise a show
            // that would draw into nothing is refused.
            let explicitDriver = ProcessInfo.processInfo.environment["SDL_VIDEODRIVER"].map { !$0.isEmpty } ?? false
            let session = try DisplaySession(quitKeysEnabled: !exhibition.window.kiosk, requireScreen: !explicitDriver)
            let steered = try steering(for: exhibition, model: model)
            let runner = ShowRunner(exhibition: exhibition, model: steered.info,
                                    makeGenerator: model.makeGenerator, makePath: steered.makePath, detail: model.detail,
                                    automaticDetail: model.detailIsAutomatic)
            runner.show.sitterCredits = try lineageCredits(for: exhibition, model: model, makePath: steered.makePath)
            let clock = try options.moment().map { ShowClock.previewing($0, epoch: exhibition.show.epoch) }
            // systemd (Type=notify): the socket and the watchdog period come in the environment.
            let environment = ProcessInfo.processInfo.environment
            let notifier = SystemdNotifier(socketPath: environment["NOTIFY_SOCKET"])
            let watchdogPID = environment["WATCHDOG_PID"].flatMap { Int32($0) }
            let watchdog = environment["WATCHDOG_USEC"].flatMap { UInt64($0) }.flatMap { watchdogPID == nil || watchdogPID == getpid() ? $0 : nil }
            // [remote]: the HTTP API, the phone page, metrics and OSC, off the frame loop (a part that cannot
            // start is logged; the show goes on without it).
            let remote = RemoteControl(show: LiveRemoteShow(runner.show), settings: exhibition.remote, version: Likeness.configuration.version,
                                       log: { note($0) })
            for line in Self.blocking({ await remote.start() }) { note(line) }
            defer { Self.blocking { await remote.stop() } }
            let report = try runner.run(session: session, options: .init(
                seconds: seconds, screenshot: screenshot.map { URL(fileURLWithPath: $0) }, windowed: windowed, clock: clock,
                notifier: notifier, watchdogMicroseconds: notifier == nil ? nil : watchdog))
            for s in report.screens {
                note(String(format: "show: %.1f s on %@/%@; screen %@: %.1f new frames/s, window %.1f fps, %.1f ms a frame on its thread at %dx%d, mean speed %.0f%%",
                            report.seconds, report.videoDriver, report.renderer, s.name, s.framesPerSecond, s.presentsPerSecond,
                            s.meanRenderSeconds * 1000, s.textureWidth, s.textureHeight, s.meanSpeed * 100))
                note("show: screen \(s.name): \(s.detail)")
                note(String(format: "show: screen %@: %d producer thread(s), %d thread(s) per model, render-ahead %d frames (%.0f ms)",
                            s.name, s.producers, s.threadsEach, s.depthFrames, s.depthMilliseconds))
            }
            if let ms = report.lastCommandMilliseconds { note(String(format: "show: the last command was on screen after %.0f ms", ms)) }
            if let screenshot { note("screenshot saved to \(screenshot)") }
        } catch {
            throw fail(error)
        }
    }

    /// Runs `work` on Swift's concurrency threads and waits for it here (the show's loop owns the main thread).
    @discardableResult
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.value = await work()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// A value handed from a task to the thread that waits for it.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
