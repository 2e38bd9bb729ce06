import ArgumentParser
import Foundation
import LikenessDisplay
import LikenessKiosk
import LikenessPath
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
            let report = try runner.run(session: session, options: .init(
                seconds: seconds, screenshot: screenshot.map { URL(fileURLWithPath: $0) }, windowed: windowed, clock: clock,
                notifier: notifier, watchdogMicroseconds: notifier == nil ? nil : watchdog))
            for s in report.screens {
                note(String(format: "show: %.1f s on %@/%@; screen %@: %.1f new frames/s, window %.1f fps, render %.1f ms/frame at %dx%d, mean speed %.0f%%",
                            report.seconds, report.videoDriver, report.renderer, s.name, s.framesPerSecond, s.presentsPerSecond,
                            s.meanRenderSeconds * 1000, s.textureWidth, s.textureHeight, s.meanSpeed * 100))
                note("show: screen \(s.name): \(s.detail)")
            }
            if let screenshot { note("screenshot saved to \(screenshot)") }
        } catch {
            throw fail(error)
        }
    }
}
