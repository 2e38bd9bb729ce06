import Foundation
import LikenessDisplay
import LikenessMedia
import LikenessPath
import LikenessShow

// MARK: - ShowRunner

/// The live exhibition: one window per screen, each fed by its own generating thread through a bounded queue.
///
/// Timeline: show time comes from the wall clock (`[show] epoch`, ``ShowClock``): a screen's producer starts
/// at the show time of the moment it starts and paints frame `k` a step of `1 / fps` (`[window] fps`) after
/// frame `k − 1`, so a restart continues the one timeline and consecutive frames are the same small step
/// apart. When it has fallen behind the wall clock it catches up by ``CatchUp``'s rule. The main thread presents frames on a frame clock that
/// advances `rate * fps` frames per second. When the producer keeps up, `rate` is 1; when it cannot,
/// `rate` follows what it sustains (a controller on the production rate and the queue's fill), so motion
/// slows smoothly instead of stuttering, and the overlay shows the speed. The window keeps presenting
/// (vsync) whatever the producers do, so it never freezes or tears.
/// Main thread only (SDL); generation runs on one thread per screen.
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

    /// What a run achieved, per screen.
    public struct Report: Sendable {
        public struct ScreenReport: Sendable {
            public var name: String
            /// New frames shown.
            public var framesShown: Int
            /// Mean rate of new frames on screen.
            public var framesPerSecond: Double
            /// Mean time to render one frame (path + engine + upscale), seconds.
            public var meanRenderSeconds: Double
            /// Mean show-clock speed (1 = full tempo).
            public var meanSpeed: Double
            /// Times per second the windows were redrawn and presented (new frames, overlay updates).
            public var presentsPerSecond: Double
            /// Size of the frames uploaded to the window (at the end: auto detail may change it).
            public var textureWidth: Int, textureHeight: Int
            /// The detail level at the end and what the stages cost (the overlay's detail lines, joined).
            public var detail: String
            /// Evenness of motion: standard deviation / mean of the wall time between new frames (0 = perfectly even).
            public var intervalVariation: Double
        }
        public var seconds: Double
        public var screens: [ScreenReport]
        public var videoDriver: String
        public var renderer: String
    }

    public let exhibition: Exhibition
    public let model: ModelInfo
    /// Commands for the live show from any thread (the keys post here too); applied by the frame loop.
    public let commands = ShowCommandQueue()
    /// Per screen (in order), what the sitter on show resembles: a model's lineage. Empty, or nil for a screen:
    /// the caption and label credit the collection alone.
    public var sitterCredits: [(any SitterCreditProvider)?] = []
    private let makeGenerator: GeneratorFactory
    private let makePath: PathFactory
    /// The detail stages after the generator (`[model] detail`).
    private let detail: [LoadedModel.DetailStageFile]
    /// Whether they came from `detail = "auto"`: each screen then runs the longest prefix its producer
    /// sustains (``AutoDetail``); otherwise every stage runs for every frame.
    private let automaticDetail: Bool

    public init(exhibition: Exhibition, model: ModelInfo, makeGenerator: @escaping GeneratorFactory, makePath: @escaping PathFactory,
                detail: [LoadedModel.DetailStageFile] = [], automaticDetail: Bool = false) {
        self.detail = detail
        self.automaticDetail = automaticDetail
        self.exhibition = exhibition
        self.model = model
        self.makeGenerator = makeGenerator
        self.makePath = makePath
    }

    /// Runs the show until quit, a stop signal, or the limits in `options`.
    public func run(session: DisplaySession, options: Options = Options()) throws -> Report {
        let w = exhibition.window
        session.quitKeysEnabled = !w.kiosk
        let fps = Double(w.fps)
        let fullscreen = w.fullscreen && !options.windowed
        let missingDisplays = exhibition.screens.contains { session.bounds(ofDisplay: $0.display) == nil }
        let lanes = LiveLanes.forShow(threads: exhibition.model.threads, screens: exhibition.screens.count)
        let clock = options.clock ?? exhibition.show.clock
        let wallClock: @Sendable () -> Double = { clock.showTime() }
        // The schedule reads the (previewed) wall-clock instant.
        let scheduleDate = { clock.moment() }
        var curtain = Curtain(open: exhibition.schedule.isOpen(at: scheduleDate()), fade: exhibition.schedule.fade,
                              outside: exhibition.schedule.outside)

        // Windows first (main thread), then one producer per screen sized to its window.
        var streams: [ScreenStream] = []
        for (i, screen) in exhibition.screens.enumerated() {
            let tiled = missingDisplays && exhibition.screens.count > 1
            let title = exhibition.screens.count > 1 ? "\(exhibition.title) — \(screen.name)" : exhibition.title
            let options = WindowOptions(
                title: title, display: screen.display, fullscreen: fullscreen && !tiled,
                windowedWidth: w.windowedWidth, windowedHeight: w.windowedHeight,
                vsync: w.vsync && i == 0, background: exhibition.output.background, hideCursor: w.hideCursor,
                position: tiled ? (x: i * (w.windowedWidth + 16), y: 0) : nil)
            if session.bounds(ofDisplay: screen.display) == nil {
                FileHandle.standardError.write(Data("likeness: display \(screen.display) for screen '\(screen.name)' is not connected (\(session.displayCount) found); opening a window on display 0 instead\n".utf8))
            }
            let window = try DisplayWindow(session: session, options: options)
            let canvases = Self.levelCanvases(model: model, detail: detail, window: window.outputSize, upscale: w.upscale)
            let stream = ScreenStream(screen: screen, window: window, detail: detail, automaticDetail: automaticDetail, levelCanvases: canvases)
            if curtain.generating {
                stream.start(exhibition: exhibition, fps: fps, lanes: lanes, wallClock: wallClock, makeGenerator: makeGenerator, makePath: makePath)
            }
            streams.append(stream)
        }
        defer { for stream in streams { stream.stop() } }

        var state = ShowState(exhibition: exhibition)
        let caption = w.caption && !model.credit.isEmpty ? model.credit : nil
        let refresh = Double(session.refreshRate(ofDisplay: exhibition.screens[0].display))
        let started = monotonicSeconds()
        var last = started
        var presents = 0
        var quit = false
        var redrawAll = true
        var lastOverlayUpdate = -1.0
        var overlays = [[String]?](repeating: nil, count: streams.count)
        var credits = streams.map { _ in
            SitterCreditState(caption: caption, label: w.label, title: exhibition.title, collection: model.credit)
        }
        var lastCreditUpdate = -1.0
        var watchdog = options.watchdogMicroseconds.map { Watchdog(watchdogMicroseconds: $0) }
        var readySent = false
        var lastStatus = -Double.infinity
        // The schedule is read four times a second, and the card's text only when the curtain moves:
        // calendar arithmetic has no place in every 60 Hz iteration.
        var lastScheduleCheck = -Double.infinity
        var scheduleOpen = curtain.generating
        var card: [String]? = exhibition.schedule.outside == .card ? cardLines(exhibition.schedule, at: scheduleDate()) : nil
        if !curtain.generating {
            session.allowDisplaySleep(exhibition.schedule.outside == .black)
            FileHandle.standardError.write(Data("likeness: closed now by [schedule]; \(Self.nextChangeText(state.exhibition.schedule, after: scheduleDate()))\n".utf8))
        }

        while !quit && !StopSignal.isRequested {
            for event in session.pollEvents() {
                switch event {
                case .quit:
                    quit = true
                case let .toggleFullscreen(windowID):
                    let target = streams.first { $0.window.windowID == windowID } ?? streams[0]
                    target.window.setFullscreen(!target.window.isFullscreen)
                    redrawAll = true
                case .redraw:
                    redrawAll = true
                default:
                    if let command = Self.command(for: event, in: state) { commands.post(command) }
                }
            }
            for command in commands.drain() {
                let inForce = state.exhibition
                let effects = state.apply(command) { try Self.reloadExhibition(from: inForce) }
                for effect in effects {
                    switch effect {
                    case .redraw: redrawAll = true
                    case let .setRate(rate): for s in streams { s.producer?.control.setRate(rate) }
                    case let .setLatentScale(scale): for s in streams { s.producer?.control.setLatentScale(scale) }
                    case .skipToNextKeyframe: for s in streams { s.producer?.control.skipToNextKeyframe() }
                    case .snapshot: saveSnapshots(streams)
                    case .restartProducers:
                        for s in streams {
                            s.restart(exhibition: state.exhibition, fps: fps, lanes: lanes, wallClock: wallClock,
                                      makeGenerator: makeGenerator, makePath: makePath)
                        }
                    case let .log(line): FileHandle.standardError.write(Data("likeness: \(line)\n".utf8))
                    }
                }
            }
            let overlayVisible = state.overlayVisible, paused = state.paused
            let now = monotonicSeconds()

            // Opening hours: fade, then stop generating; at opening start again at the wall clock.
            let schedule = state.exhibition.schedule
            if now - lastScheduleCheck >= 0.25 {
                scheduleOpen = schedule.isOpen(at: scheduleDate())
                lastScheduleCheck = now
                for s in streams { if let line = s.detailLogLine() { FileHandle.standardError.write(Data("likeness: \(line)\n".utf8)) } }
            }
            let changes = curtain.update(isOpen: scheduleOpen, now: now,
                                         framesReady: streams.allSatisfy { $0.hasFreshFrame })
            for change in changes {
                switch change {
                case .stopProducers:
                    for s in streams { s.stop(); s.clearFrame() }
                    FileHandle.standardError.write(Data("likeness: closed by [schedule]; generation stopped; \(Self.nextChangeText(schedule, after: scheduleDate()))\n".utf8))
                case .startProducers:
                    for s in streams {
                        s.start(exhibition: state.exhibition, fps: fps, lanes: lanes, wallClock: wallClock,
                                makeGenerator: makeGenerator, makePath: makePath)
                    }
                    FileHandle.standardError.write(Data("likeness: open by [schedule]; generating again at the wall clock's show time\n".utf8))
                case let .displaySleep(allowed):
                    session.allowDisplaySleep(allowed)
                }
                redrawAll = true
            }
            let brightness = curtain.brightness(at: now)
            let fading = brightness > 0 && brightness < 1
            if !changes.isEmpty { card = schedule.outside == .card ? cardLines(schedule, at: scheduleDate()) : nil }
            let dt = min(now - last, 0.25)
            last = now

            // The overlay's figures change a few times a second; redrawing it more often would only cost CPU.
            let overlayDue = overlayVisible && now - lastOverlayUpdate >= 0.25
            if overlayDue { lastOverlayUpdate = now }
            let creditsDue = !sitterCredits.isEmpty && now - lastCreditUpdate >= 0.25
            if creditsDue { lastCreditUpdate = now }
            let elapsed = now - started
            let limitReached = options.seconds.map { elapsed >= $0 } ?? false
            let framesReached = options.maxFrames.map { n in streams.allSatisfy { $0.shown >= n } } ?? false
            let finishing = limitReached || framesReached

            // Draw and present only windows that changed: a new frame, new overlay figures, or a redraw request.
            // Unchanged windows keep their last picture; this leaves the CPU to the generators where the
            // window system scales in software.
            var presented = false
            for (i, stream) in streams.enumerated() {
                if let error = stream.producer?.error { throw error }
                let newFrame = stream.advance(dt: dt, fps: fps, paused: paused)
                let creditChanged = creditsDue && credits[i].refresh(i < sitterCredits.count ? sitterCredits[i] : nil, showTime: stream.current?.showTime)
                if overlayDue {
                    overlays[i] = overlayLines(stream, paused: paused, session: session, wallShowTime: wallClock)
                    if let resembles = credits[i].credit?.resembles { overlays[i]?.append(resembles) }
                }
                guard newFrame || overlayDue || creditChanged || redrawAll || finishing || fading else { continue }
                try stream.draw(overlay: overlayVisible ? overlays[i] : nil, caption: credits[i].caption, label: credits[i].label, blackout: state.blackout,
                                brightness: brightness, card: card)
                if finishing, i == streams.count - 1, let url = options.screenshot {
                    try saveScreenshots(streams, to: url, overlays: overlayVisible ? overlays : nil, credits: credits, blackout: state.blackout,
                                        brightness: brightness, card: card)
                }
                stream.window.present()
                presented = true
            }
            redrawAll = false
            if presented { presents += 1 }
            if finishing { quit = true }

            // systemd: ready once every screen shows a frame (or the closed card), alive while frames keep coming.
            if let notifier = options.notifier {
                if !readySent, presented, !curtain.generating || streams.allSatisfy({ $0.shown > 0 }) {
                    notifier.send("READY=1")
                    readySent = true
                }
                if readySent, now - lastStatus >= 5 {
                    notifier.send("STATUS=" + statusLine(streams, curtain: curtain, schedule: schedule, at: scheduleDate(), wall: wallClock()))
                    lastStatus = now
                }
            }
            if var w = watchdog {
                let silent: Double? = curtain.generating ? streams.map { now - ($0.lastDeliveryAt ?? $0.startedAt) }.max() : nil
                let waiting = streams.allSatisfy { $0.isWaitingOnFullQueue }
                if w.shouldPing(now: now, sinceLastFrame: silent, waiting: waiting) { options.notifier?.send("WATCHDOG=1") }
                watchdog = w
            }
            if !curtain.generating && !finishing {
                // Closed: nothing moves; look at the schedule and the keys four times a second (the CPU idles).
                usleep(250_000)
                continue
            }
            if !presented || !w.vsync || session.videoDriver == "dummy" || streams[0].window.rendererName == "software" {
                // Nothing presented or no vsync to pace us: sleep to the display's refresh rate.
                let target = last + 1 / max(refresh, 1)
                let wait = target - monotonicSeconds()
                if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
            }
        }

        let seconds = max(monotonicSeconds() - started, 1e-6)
        return Report(
            seconds: seconds,
            screens: streams.map { s in
                Report.ScreenReport(name: s.screen.name, framesShown: s.shown, framesPerSecond: Double(s.shown) / seconds,
                                    meanRenderSeconds: s.meanRenderSeconds, meanSpeed: s.speedSum / Double(max(s.advances, 1)),
                                    presentsPerSecond: Double(presents) / seconds,
                                    textureWidth: s.textureWidth, textureHeight: s.textureHeight,
                                    detail: s.detail.snapshot()?.overlayLines.joined(separator: "; ") ?? "not started",
                                    intervalVariation: s.intervalVariation)
            },
            videoDriver: session.videoDriver, renderer: streams[0].window.rendererName)
    }

    /// The frame size of each detail level in a window: level 0 for the generator's picture, level k for the
    /// picture of the k-th detail stage, each by ``textureSize(model:window:upscale:)``.
    static func levelCanvases(model: ModelInfo, detail: [LoadedModel.DetailStageFile], window: (width: Int, height: Int),
                              upscale: UpscaleFilter) -> [StagePipeline.Configuration.Canvas] {
        let pictures = [(model.imageWidth, model.imageHeight)] + detail.map { ($0.output.width, $0.output.height) }
        return pictures.map { picture in
            var info = model
            (info.imageWidth, info.imageHeight) = picture
            let size = textureSize(model: info, window: window, upscale: upscale)
            return StagePipeline.Configuration.Canvas(width: size.width, height: size.height)
        }
    }

    /// Size of the frames the producer paints for a window: the model size, or with Lanczos up to
    /// 4x the model size but no larger than the picture's area in the window. Below
    /// ``minimumLanczosFactor`` the picture goes to the window at its own size and the display scales it
    /// (a 1024 px painting on a 1080 px screen: Lanczos to 1080 cost as much as the refiner, 9 ms a frame,
    /// for a step of 5 % the window's filter takes without a visible difference).
    static func textureSize(model: ModelInfo, window: (width: Int, height: Int), upscale: UpscaleFilter) -> (width: Int, height: Int) {
        guard upscale == .lanczos else { return (model.imageWidth, model.imageHeight) }
        let fit = DisplayWindow.fitRect(width: model.imageWidth, height: model.imageHeight, in: window)
        let factor = min(4.0, Double(fit.width) / Double(model.imageWidth), Double(fit.height) / Double(model.imageHeight))
        guard factor >= minimumLanczosFactor else { return (model.imageWidth, model.imageHeight) }
        return (Int((Double(model.imageWidth) * factor).rounded()), Int((Double(model.imageHeight) * factor).rounded()))
    }

    /// The smallest enlargement the producer paints with Lanczos; below it the window's scaling does it.
    static let minimumLanczosFactor = 1.25

    private func overlayLines(_ s: ScreenStream, paused: Bool, session: DisplaySession, wallShowTime: () -> Double) -> [String] {
        let speed = Int((s.rate * 100).rounded())
        var lines = [
            "\(exhibition.title) - screen \(s.screen.name), seed \(s.screen.seed)",
            String(format: "window loop %.1f Hz, new frames %.1f fps", s.presentRate, s.newFrameRate),
            String(format: "frame time %.1f ms, generation %.1f fps", s.renderSecondsEMA * 1000, s.productionRate),
            "speed \(speed)%\(speed < 100 ? " (generation slower than display)" : ""), queue \(s.producer?.queuedCount ?? 0)/\(ScreenStream.queueCapacity)",
            String(format: "t %.1f s, %.1f s behind the wall clock%@", s.current?.showTime ?? 0,
                   max(0, wallShowTime() - (s.current?.showTime ?? 0)), paused ? " - paused" : ""),
            "model \(model.name) \(model.imageWidth)x\(model.imageHeight), shown at \(s.textureWidth)x\(s.textureHeight)",
        ]
        if let detail = s.detail.snapshot() { lines += detail.overlayLines }
        if !model.credit.isEmpty { lines.append(model.credit) }
        if let taste = model.taste { lines.append(taste) }
        lines.append("\(session.videoDriver) / \(s.window.rendererName)")
        return lines
    }

    private func saveSnapshots(_ streams: [ScreenStream]) {
        let folder = URL(fileURLWithPath: exhibition.window.snapshotFolder)
        let stamp = Self.timestamp()
        for s in streams {
            guard let item = s.current else { continue }
            let url = folder.appendingPathComponent("likeness-\(s.screen.name)-seed\(s.screen.seed)-\(stamp).png")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try PNGCodec.write(item.frame, to: url)
                FileHandle.standardError.write(Data("likeness: snapshot saved to \(url.path)\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("likeness: snapshot failed: \(error)\n".utf8))
            }
        }
    }

    /// Reads every window's back buffer (all were drawn this iteration; earlier ones already presented, so
    /// they are redrawn first) and saves them.
    private func saveScreenshots(_ streams: [ScreenStream], to url: URL, overlays: [[String]?]?, credits: [SitterCreditState], blackout: Bool,
                                 brightness: Double, card: [String]?) throws {
        for (i, s) in streams.enumerated() {
            try s.draw(overlay: overlays?[i], caption: credits[i].caption, label: credits[i].label, blackout: blackout, brightness: brightness, card: card)
            let target = i == 0 ? url : URL(fileURLWithPath: url.deletingPathExtension().path + "-\(i + 1).png")
            try PNGCodec.write(try s.window.readPixels(), to: target)
        }
    }

    /// The card shown while closed (`outside = "card"`): the title, the model's credit, the next opening.
    private func cardLines(_ schedule: Schedule, at date: Date) -> [String] {
        [exhibition.title, model.credit, Self.nextChangeText(schedule, after: date)].filter { !$0.isEmpty }
    }

    /// "opens Tue 10:00 (Europe/Paris)" or "closes 18:00".
    static func nextChangeText(_ schedule: Schedule, after date: Date) -> String {
        guard let change = schedule.nextChange(after: date) else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = schedule.timeZone
        formatter.dateFormat = "EEE d MMM HH:mm"
        let verb = schedule.isOpen(at: date) ? "closes" : "opens"
        return "\(verb) \(formatter.string(from: change)) (\(schedule.timeZone.identifier))"
    }

    /// systemd's STATUS= line: open or closed, screens, frames per second, speed, lag behind the wall clock.
    private func statusLine(_ streams: [ScreenStream], curtain: Curtain, schedule: Schedule, at date: Date, wall: Double) -> String {
        guard curtain.generating else {
            return "closed (\(schedule.outside.rawValue)); \(Self.nextChangeText(schedule, after: date)); \(streams.count) screen(s)"
        }
        let fps = streams.map(\.newFrameRate).min() ?? 0
        let speed = Int(((streams.map(\.rate).min() ?? 1) * 100).rounded())
        let lag = streams.map { max(0, wall - ($0.current?.showTime ?? wall)) }.max() ?? 0
        return String(format: "open; %d screen(s); %.1f new frames/s; speed %d%%; %.1f s behind the wall clock", streams.count, fps, speed, lag)
    }

    /// The show command a key stands for (space toggles pause, `b` blackout, given the state).
    static func command(for event: DisplayEvent, in state: ShowState) -> ShowCommand? {
        switch event {
        case .togglePause: return state.paused ? .resume : .pause
        case .toggleOverlay: return .overlay(!state.overlayVisible)
        case .toggleBlackout: return .blackout(!state.blackout)
        case .snapshot: return .snapshot
        case .nextSitter: return .nextSitter
        case .reload: return .reload
        case .quit, .toggleFullscreen, .redraw: return nil
        }
    }

    /// Reads the exhibition's file again (with the same seeds as the one in force, which may come from `--seed`).
    static func reloadExhibition(from current: Exhibition) throws -> Exhibition {
        guard let url = current.source else { throw ShowError.invalidRequest(message: "this exhibition was not read from a file", hint: "start the show with a file") }
        var fresh = try Exhibition.load(contentsOf: url)
        if fresh.screens.count == current.screens.count {
            for i in fresh.screens.indices { fresh.screens[i].seed = current.screens[i].seed }
        }
        return fresh
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }
}

// MARK: - ScreenStream

/// One screen of a live show: its window, its producer thread and queue, and its frame clock.
final class ScreenStream {
    let screen: Screen
    let window: DisplayWindow
    /// The detail stages, whether auto picks how many run, and the frame size of each level.
    let detailStages: [LoadedModel.DetailStageFile]
    let automaticDetail: Bool
    let levelCanvases: [StagePipeline.Configuration.Canvas]
    /// What the producer's pipeline does (stage times, level), for the overlay.
    let detail = DetailMonitor()
    /// Size of the frame on screen (before the first, the whole chain's).
    var textureWidth: Int { current?.frame.width ?? levelCanvases[levelCanvases.count - 1].width }
    var textureHeight: Int { current?.frame.height ?? levelCanvases[levelCanvases.count - 1].height }
    /// The producer painting this screen's frames (nil before `start`).
    private(set) var producer: FrameProducer?
    static let queueCapacity = 6

    /// The frame on screen.
    private(set) var current: FrameQueue.Item?
    /// New frames shown so far.
    private(set) var shown = 0
    /// Frame clock: new frames due; a frame is taken when it reaches 1.
    private var due = 1.0
    /// Show-clock speed, 0…1.
    private(set) var rate = 1.0
    private(set) var speedSum = 0.0
    /// Calls of `advance` (main-loop iterations) while not paused.
    private(set) var advances = 0
    /// Smoothed producer figures.
    private(set) var productionRate = 0.0
    private(set) var renderSecondsEMA = 0.0
    private var renderSecondsSum = 0.0
    /// Smoothed display figures.
    private(set) var presentRate = 0.0
    private(set) var newFrameRate = 0.0

    var meanRenderSeconds: Double { shown > 0 ? renderSecondsSum / Double(shown) : 0 }

    /// When the producer was started (monotonic seconds), and when a frame last came from it.
    private(set) var startedAt = monotonicSeconds()
    private(set) var lastDeliveryAt: Double?
    /// Whether a frame from the running producer is on screen (a fresh start shows none yet).
    private(set) var hasFreshFrame = false
    /// Whether the producer waits because the queue is full (the loop is paused, not stuck).
    var isWaitingOnFullQueue: Bool { (producer?.queuedCount ?? 0) >= Self.queueCapacity }

    /// Wall times between new frames (after the first second), for `intervalVariation`.
    private var intervalSum = 0.0, intervalSquares = 0.0, intervalCount = 0
    private var clock = 0.0, lastNewFrameAt: Double?

    /// Standard deviation / mean of the wall time between new frames.
    var intervalVariation: Double {
        guard intervalCount > 1 else { return 0 }
        let mean = intervalSum / Double(intervalCount)
        let variance = max(0, intervalSquares / Double(intervalCount) - mean * mean)
        return mean > 0 ? variance.squareRoot() / mean : 0
    }

    init(screen: Screen, window: DisplayWindow, detail: [LoadedModel.DetailStageFile] = [], automaticDetail: Bool = false,
         levelCanvases: [StagePipeline.Configuration.Canvas]) {
        precondition(levelCanvases.count == detail.count + 1, "one canvas per detail level")
        self.screen = screen
        self.window = window
        detailStages = detail
        self.automaticDetail = automaticDetail
        self.levelCanvases = levelCanvases
    }

    /// Starts the producer at the wall clock's show time, a frame every 1 / fps, painted at the level's canvas.
    ///
    /// With auto detail the producer first measures every level on its own thread (about a second, before its
    /// first frame) and runs the longest prefix that fits 80 % of `1 / fps`; otherwise every stage runs.
    func start(exhibition: Exhibition, fps: Double, lanes: LiveLanes, wallClock: @escaping @Sendable () -> Double,
               makeGenerator: @escaping GeneratorFactory, makePath: @escaping PathFactory, startFrame: Int = 0) {
        let screen = self.screen
        let threads = lanes.threadsEach
        let stages = detailStages.map { $0.stage(threads: threads) }
        let top = levelCanvases[levelCanvases.count - 1]
        let automatic = automaticDetail && !stages.isEmpty
        let configuration = StagePipeline.Configuration.standard(width: top.width, height: top.height, fit: .contain,
                                                                 background: exhibition.output.background, detail: stages,
                                                                 levelCanvases: automatic ? levelCanvases : nil)
        let producer = FrameProducer(name: screen.name, producers: lanes.producers, capacity: lanes.depth(fps: fps), fps: fps,
                                     startFrame: startFrame, wallClock: wallClock,
                                     automaticDetail: automatic ? .init(settings: AutoDetail.Settings(budgetSeconds: 1 / fps)) : nil,
                                     monitor: detail) {
            let generator = try makeGenerator(threads)
            let path = makePath(screen, exhibition.motion, generator.zDim)
            return FrameRenderer(generator: generator, path: path, configuration: configuration)
        }
        producer.start()
        self.producer = producer
        loggedLevel = nil
        startedAt = monotonicSeconds()
        lastDeliveryAt = nil
        hasFreshFrame = false
    }

    /// The detail level last logged (nil: none yet for this producer).
    private var loggedLevel: Int?

    /// A log line when auto picked or changed this screen's level since the last call.
    func detailLogLine() -> String? {
        guard automaticDetail, !detailStages.isEmpty, let s = detail.snapshot(), !s.measuring, s.level != loggedLevel else { return nil }
        defer { loggedLevel = s.level }
        guard let previous = loggedLevel else {
            let measured = s.measuredLevelMilliseconds.enumerated().map { String(format: "%d: %.1f", $0.offset, $0.element) }.joined(separator: ", ")
            return String(format: "screen %@: detail auto picked level %d/%d (measured ms per level %@; budget %.1f ms, picks <= %.1f)",
                          screen.name, s.level, s.maximumLevel, measured, s.budgetMilliseconds, s.budgetMilliseconds * 0.8)
        }
        let running = s.milliseconds.compactMap { $0 }.reduce(0, +)
        return String(format: "screen %@: detail auto %@ to level %d/%d (crossfaded; frames now %.1f ms of %.1f)", screen.name,
                      s.level < previous ? "stepped down" : "stepped up", s.level, s.maximumLevel, running, s.budgetMilliseconds)
    }

    /// Forgets the frame on screen (closing: the next opening fades in fresh frames only).
    func clearFrame() {
        current = nil
        hasFreshFrame = false
    }

    /// Replaces the producer with one for `exhibition`, at the wall clock's show time.
    func restart(exhibition: Exhibition, fps: Double, lanes: LiveLanes, wallClock: @escaping @Sendable () -> Double,
                 makeGenerator: @escaping GeneratorFactory, makePath: @escaping PathFactory) {
        stop()
        start(exhibition: exhibition, fps: fps, lanes: lanes, wallClock: wallClock, makeGenerator: makeGenerator, makePath: makePath,
              startFrame: (current?.index ?? -1) + 1)
    }

    /// Stops and joins the producer.
    func stop() {
        producer?.stop()
        producer = nil
    }

    /// Advances the frame clock by `dt` seconds and takes the frames that are due; true if a new frame was taken.
    @discardableResult
    func advance(dt: Double, fps: Double, paused: Bool) -> Bool {
        presentRate = ema(presentRate, dt > 0 ? 1 / dt : 0, dt: dt, tau: 1)
        clock += dt
        if paused {
            lastNewFrameAt = nil
            return false
        }
        due += dt * fps * rate
        var took = 0
        while due >= 1, let item = producer?.tryTake() {
            if let old = current { producer?.release(old) }
            productionRate = producer?.productionRate ?? 0
            lastDeliveryAt = monotonicSeconds()
            hasFreshFrame = true
            renderSecondsEMA = renderSecondsEMA == 0 ? item.renderSeconds : 0.9 * renderSecondsEMA + 0.1 * item.renderSeconds
            renderSecondsSum += item.renderSeconds
            current = item
            if let previous = lastNewFrameAt, clock > 1, took == 0 {
                let interval = clock - previous
                intervalSum += interval
                intervalSquares += interval * interval
                intervalCount += 1
            }
            lastNewFrameAt = clock
            due -= 1
            shown += 1
            took += 1
        }
        // Starved: do not build up a debt of frames (that would be a burst later); show the next as soon as it lands.
        if due > 1 { due = 1 }
        newFrameRate = ema(newFrameRate, dt > 0 ? Double(took) / dt : 0, dt: dt, tau: 1)

        // Speed: what production sustains, nudged by how full the queue is (aim: half full).
        if productionRate > 0 {
            let fill = Double(producer?.queuedCount ?? 0) / Double(Self.queueCapacity)
            let target = min(1, max(0.02, productionRate / fps * (0.8 + 0.4 * fill)))
            rate = ema(rate, target, dt: dt, tau: 0.75)
        }
        speedSum += rate
        advances += 1
        return took > 0
    }

    /// Draws the current frame (or the background while the first is painted), faded to `brightness`, with
    /// the closed card (`card`) showing through as the portrait fades.
    func draw(overlay: [String]?, caption: String?, label: WallLabel? = nil, blackout: Bool = false, brightness: Double = 1, card: [String]? = nil) throws {
        if blackout || brightness <= 0 {
            window.drawBackground()
        } else if let current, let label {
            try window.draw(current.frame, label: label, overlay: brightness < 1 ? nil : overlay, caption: caption)
            window.dim(1 - brightness)
        } else if let current {
            try window.draw(current.frame, overlay: brightness < 1 ? nil : overlay, caption: caption)
            window.dim(1 - brightness)
        } else {
            window.drawBackground()
        }
        if let card, !blackout, brightness < 1 { window.drawCard(card, alpha: 1 - brightness) }
    }

    private func ema(_ old: Double, _ new: Double, dt: Double, tau: Double) -> Double {
        let a = min(1, max(0, dt / tau))
        return old + (new - old) * a
    }
}
