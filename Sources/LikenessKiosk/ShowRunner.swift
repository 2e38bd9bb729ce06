import Foundation
import LikenessDisplay
import LikenessMedia
import LikenessPath
import LikenessShow

// MARK: - ShowRunner

/// The live exhibition in SDL windows: opens one window per screen and runs ``LiveShow``'s loop on them.
///
/// Everything that decides lives in `LikenessShow` (the loop, its pure pieces, the producers); this target
/// holds only what calls SDL: the windows as ``LiveSurface``s (with the wall label), the session as the
/// ``LiveDisplay``, and choosing windows for missing displays. Main thread only (SDL).
public final class ShowRunner {
    /// Knobs for a run (tests and technicians: run for a while, take a screenshot).
    public struct Options: Sendable {
        /// Stop after this many seconds (nil = until quit).
        public var seconds: Double?
        /// Stop after this many new frames were shown on every screen (nil = no limit).
        public var maxFrames: Int?
        /// Save a screenshot of each window (PNG; `-2`, `-3` … inserted before the extension for more screens) before stopping.
        public var screenshot: URL?
        /// Force windowed mode (ignores `[window] fullscreen`).
        public var windowed: Bool
        /// The wall clock (nil: the exhibition's `[show] epoch` and the real time; `show --at` previews another moment).
        public var clock: ShowClock?
        /// systemd's notify socket (`$NOTIFY_SOCKET`): READY=1 at the first frame, STATUS= lines, WATCHDOG=1.
        public var notifier: SystemdNotifier?
        /// systemd's watchdog period (`$WATCHDOG_USEC`); nil: no watchdog pings.
        public var watchdogMicroseconds: UInt64?

        public init(seconds: Double? = nil, maxFrames: Int? = nil, screenshot: URL? = nil, windowed: Bool = false, clock: ShowClock? = nil,
                    notifier: SystemdNotifier? = nil, watchdogMicroseconds: UInt64? = nil) {
            self.clock = clock
            self.notifier = notifier
            self.watchdogMicroseconds = watchdogMicroseconds
            self.seconds = seconds
            self.maxFrames = maxFrames
            self.screenshot = screenshot
            self.windowed = windowed
        }
    }

    public typealias Report = LiveShow.Report

    /// The loop (commands, status, credits): available before `run`.
    public let show: LiveShow
    public var exhibition: Exhibition { show.exhibition }
    /// Commands for the live show from any thread (the keys post here too).
    public var commands: ShowCommandQueue { show.commands }

    public init(exhibition: Exhibition, model: ModelInfo, makeGenerator: @escaping GeneratorFactory, makePath: @escaping PathFactory,
                detail: [DetailStageFile] = [], automaticDetail: Bool = false) {
        let lanes = LiveLanes.forShow(threads: exhibition.model.threads, screens: exhibition.screens.count)
        show = LiveShow(exhibition: exhibition, model: model, lanes: lanes,
                        makeSource: LiveShow.producers(model: model, detail: detail, automaticDetail: automaticDetail, lanes: lanes,
                                                       makeGenerator: makeGenerator, makePath: makePath))
        show.sitterPaths = exhibition.screens.map { makePath($0, exhibition.motion, model.zDim) }
    }

    /// Runs the show until quit, a stop signal, or the limits in `options`.
    public func run(session: DisplaySession, options: Options = Options()) throws -> Report {
        let w = exhibition.window
        session.quitKeysEnabled = !w.kiosk
        let fullscreen = w.fullscreen && !options.windowed
        let missingDisplays = exhibition.screens.contains { session.bounds(ofDisplay: $0.display) == nil }
        var surfaces: [WindowSurface] = []
        for (i, screen) in exhibition.screens.enumerated() {
            let tiled = missingDisplays && exhibition.screens.count > 1
            let title = exhibition.screens.count > 1 ? "\(exhibition.title) — \(screen.name)" : exhibition.title
            let windowOptions = WindowOptions(
                title: title, display: screen.display, fullscreen: fullscreen && !tiled,
                windowedWidth: w.windowedWidth, windowedHeight: w.windowedHeight,
                vsync: w.vsync && i == 0, background: exhibition.output.background, hideCursor: w.hideCursor,
                position: tiled ? (x: i * (w.windowedWidth + 16), y: 0) : nil)
            if session.bounds(ofDisplay: screen.display) == nil {
                FileHandle.standardError.write(Data("likeness: display \(screen.display) for screen '\(screen.name)' is not connected (\(session.displayCount) found); opening a window on display 0 instead\n".utf8))
            }
            let window = try DisplayWindow(session: session, options: windowOptions)
            surfaces.append(WindowSurface(window: window, label: w.label, title: exhibition.title, collection: show.model.credit))
        }
        let display = SessionDisplay(session: session, windows: surfaces.map(\.window.windowID))
        let software = session.videoDriver == "dummy" || surfaces.first?.window.rendererName == "software"
        let notifier = options.notifier
        return try show.run(display: display, surfaces: surfaces, options: LiveShow.Options(
            seconds: options.seconds, maxFrames: options.maxFrames, screenshot: options.screenshot, quitKeysEnabled: !w.kiosk,
            clock: options.clock ?? exhibition.show.clock, notify: notifier.map { n in { n.send($0) } },
            watchdog: options.watchdogMicroseconds.map { Watchdog(watchdogMicroseconds: $0) },
            refreshRate: Double(session.refreshRate(ofDisplay: exhibition.screens[0].display)), pacedByVsync: w.vsync && !software))
    }
}

// MARK: - SDL as the live loop's display

/// The SDL session as the loop's ``LiveDisplay``: key presses carry the screen whose window had them.
final class SessionDisplay: LiveDisplay {
    let session: DisplaySession
    let windows: [UInt32]
    init(session: DisplaySession, windows: [UInt32]) {
        self.session = session
        self.windows = windows
    }
    var videoDriver: String { session.videoDriver }
    func allowDisplaySleep(_ allowed: Bool) { session.allowDisplaySleep(allowed) }
    func pollEvents() -> [LiveEvent] {
        session.pollEvents().map { event in
            switch event {
            case .quit: return .quit
            case .redraw: return .redraw
            case let .key(key, windowID): return .key(key, screen: windows.firstIndex(of: windowID))
            }
        }
    }
}

/// An SDL window as a ``LiveSurface``: the portrait, the overlay, the caption, the wall label, the fade and the card.
final class WindowSurface: LiveSurface {
    let window: DisplayWindow
    private var labelState: SitterCreditState

    init(window: DisplayWindow, label: Bool, title: String, collection: String) {
        self.window = window
        labelState = SitterCreditState(label: label, title: title, collection: collection)
    }

    var outputSize: (width: Int, height: Int) { window.outputSize }
    var rendererName: String { window.rendererName }
    func present() { window.present() }
    func readPixels() throws -> Frame { try window.readPixels() }
    func toggleFullscreen() { window.setFullscreen(!window.isFullscreen) }

    func draw(_ picture: LivePicture) throws {
        labelState.update(picture.credit)
        if picture.blackout || picture.brightness <= 0 {
            window.drawBackground()
        } else if let frame = picture.frame, let label = labelState.label {
            try window.draw(frame, label: label, overlay: picture.brightness < 1 ? nil : picture.overlay, caption: picture.caption)
            window.dim(1 - picture.brightness)
        } else if let frame = picture.frame {
            try window.draw(frame, overlay: picture.brightness < 1 ? nil : picture.overlay, caption: picture.caption)
            window.dim(1 - picture.brightness)
        } else {
            window.drawBackground()
        }
        if let card = picture.card, !picture.blackout, picture.brightness < 1 { window.drawCard(card, alpha: 1 - picture.brightness) }
    }
}
