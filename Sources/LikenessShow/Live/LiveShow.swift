import Foundation
import LikenessMedia
import LikenessPath

// MARK: - LiveShow

/// The live exhibition's loop: one surface per screen, each fed by its frame source, steered by commands,
/// opened and closed by the schedule, reporting to systemd and to a ``ShowStatusBoard``.
///
/// Timeline: show time comes from the wall clock (`[show] epoch`, ``ShowClock``): a screen's producer starts
/// at the show time of the moment it starts and paints frame `k` a step of `1 / fps` after frame `k − 1`,
/// assigned ahead of display (``FramePlanner``), catching up by ``CatchUp``'s rule when it falls behind. The
/// loop presents on a frame clock (``ScreenPacing``) that slows smoothly when production cannot keep up.
/// Everything that decides is a small pure piece tested alone: the pacing, ``ScheduleWatch``,
/// ``ServiceHeartbeat``, ``KeyMap``, ``ShowState``, ``LiveOverlay``, ``ShowStatus``; this class only wires
/// them to the surfaces, the sources and the clock. Time comes from a ``LoopClock``: tests run whole shows
/// in virtual time. Main thread only (the kiosk's surfaces are SDL windows).
public final class LiveShow {
    /// Knobs for a run.
    public struct Options {
        /// Stop after this many seconds (nil: until quit).
        public var seconds: Double?
        /// Stop after this many new frames were shown on every screen (nil: no limit).
        public var maxFrames: Int?
        /// Save a screenshot of each window (PNG; `-2`, `-3` … before the extension for more screens) before stopping.
        public var screenshot: URL?
        /// Whether Esc and q quit (false in kiosk mode).
        public var quitKeysEnabled: Bool
        /// The show's timeline on the wall clock.
        public var clock: ShowClock
        /// Monotonic time, wall-clock dates and sleeping.
        public var loopClock: any LoopClock
        /// Where systemd's messages go (READY=1, STATUS=…, WATCHDOG=1); nil: nowhere.
        public var notify: ((String) -> Void)?
        /// systemd's watchdog; nil: no pings.
        public var watchdog: Watchdog?
        /// The display's refresh rate: without vsync the loop sleeps to it.
        public var refreshRate: Double
        /// Whether presenting waits for vsync (then the loop does not sleep after a present).
        public var pacedByVsync: Bool

        public init(seconds: Double? = nil, maxFrames: Int? = nil, screenshot: URL? = nil, quitKeysEnabled: Bool = true, clock: ShowClock,
                    loopClock: any LoopClock = SystemLoopClock(), notify: ((String) -> Void)? = nil, watchdog: Watchdog? = nil,
                    refreshRate: Double = 60, pacedByVsync: Bool = false) {
            self.seconds = seconds
            self.maxFrames = maxFrames
            self.screenshot = screenshot
            self.quitKeysEnabled = quitKeysEnabled
            self.clock = clock
            self.loopClock = loopClock
            self.notify = notify
            self.watchdog = watchdog
            self.refreshRate = refreshRate
            self.pacedByVsync = pacedByVsync
        }
    }

    /// What a run achieved, per screen.
    public struct Report: Sendable {
        public struct ScreenReport: Sendable {
            public var name: String
            /// New frames shown, and their mean rate.
            public var framesShown: Int
            public var framesPerSecond: Double
            /// Mean seconds one thread took to paint a frame.
            public var meanRenderSeconds: Double
            /// Mean show-clock speed (1 = full tempo).
            public var meanSpeed: Double
            /// Windows redrawn and presented per second.
            public var presentsPerSecond: Double
            /// Size of the frames on screen at the end.
            public var textureWidth: Int, textureHeight: Int
            /// The detail level at the end and what the stages cost (the overlay's detail lines, joined).
            public var detail: String
            /// Evenness of motion: standard deviation / mean of the time between new frames.
            public var intervalVariation: Double
            /// Producer threads, threads per model, and the render-ahead depth (frames, and ms at the window's fps).
            public var producers: Int, threadsEach: Int
            public var depthFrames: Int
            public var depthMilliseconds: Double
        }
        public var seconds: Double
        public var screens: [ScreenReport]
        public var videoDriver: String
        public var renderer: String
        /// Milliseconds from the last command to the first frame on screen that showed it (nil: no command).
        public var lastCommandMilliseconds: Double?
    }

    public let exhibition: Exhibition
    public let model: ModelInfo
    public let lanes: LiveLanes
    /// Commands from any thread (keys, a remote control); applied by the loop, in order.
    public let commands = ShowCommandQueue()
    /// The status snapshot, a few times a second (and at once after a command or a new sitter).
    public let statusBoard = ShowStatusBoard()
    /// Snapshots for a remote control: the frame on a screen now.
    public let frameRequests = FrameRequests()
    /// Per screen, what the sitter on show resembles (a model's lineage); nil or missing: the collection alone.
    public var sitterCredits: [(any SitterCreditProvider)?] = []
    /// Per screen, the path, to name the keyframe on screen in the status (missing: none named).
    public var sitterPaths: [any LatentSource] = []
    /// Where log lines go (standard error in the show).
    public var log: (String) -> Void = { FileHandle.standardError.write(Data("likeness: \($0)\n".utf8)) }
    private let makeSource: LiveSourceFactory

    public init(exhibition: Exhibition, model: ModelInfo, lanes: LiveLanes, makeSource: @escaping LiveSourceFactory) {
        self.exhibition = exhibition
        self.model = model
        self.lanes = lanes
        self.makeSource = makeSource
    }

    /// Runs the show on `surfaces` (one per screen, in order) until quit, a stop signal, or the limits in `options`.
    public func run(display: any LiveDisplay, surfaces: [any LiveSurface], options: Options) throws -> Report {
        precondition(surfaces.count == exhibition.screens.count, "one surface per screen")
        let loop = options.loopClock
        let showClock = options.clock
        let wallClock: @Sendable () -> Double = { showClock.showTime(at: loop.date()) }
        let scheduleDate = { showClock.moment(at: loop.date()) }
        let fps = Double(exhibition.window.fps)
        let started = loop.now()
        var state = ShowState(exhibition: exhibition)
        var watch = ScheduleWatch(schedule: exhibition.schedule, isOpen: exhibition.schedule.isOpen(at: scheduleDate()), now: started)
        var heartbeat = ServiceHeartbeat(watchdog: options.watchdog)
        let caption = exhibition.window.caption && !model.credit.isEmpty ? model.credit : nil
        let screens = surfaces.enumerated().map { i, surface in
            LiveScreen(index: i, screen: exhibition.screens[i], surface: surface, fps: fps, caption: caption,
                       credits: i < sitterCredits.count ? sitterCredits[i] : nil, path: i < sitterPaths.count ? sitterPaths[i] : nil)
        }
        func start(_ s: LiveScreen, startFrame: Int = 0) {
            s.start(makeSource(LiveSourceRequest(screenIndex: s.index, screen: state.exhibition.screens[s.index], exhibition: state.exhibition,
                                                 outputSize: s.surface.outputSize, startFrame: startFrame, wallClock: wallClock,
                                                 monitor: s.monitor)), now: loop.now())
        }
        if watch.curtain.generating { for s in screens { start(s) } }
        defer { for s in screens { s.stop() } }

        var card: [String]? = exhibition.schedule.outside == .card ? cardLines(exhibition.schedule, at: scheduleDate()) : nil
        if !watch.curtain.generating {
            display.allowDisplaySleep(exhibition.schedule.outside == .black)
            log("closed now by [schedule]; \(ScheduleWatch.nextChangeText(exhibition.schedule, after: scheduleDate()))")
        }
        var last = started
        var presents = 0
        var quit = false
        var redrawAll = true
        var lastOverlayUpdate = -Double.infinity, lastCreditUpdate = -Double.infinity, lastStatus = -Double.infinity
        var landing = CommandLanding()
        var lastError: String?

        while !quit && !StopSignal.isRequested {
            for event in display.pollEvents() {
                switch event {
                case .quit: quit = true
                case .redraw: redrawAll = true
                case let .key(key, screen):
                    switch KeyMap.action(for: key) {
                    case .quit?: if options.quitKeysEnabled { quit = true }
                    case .toggleFullscreen?:
                        screens[min(max(screen ?? 0, 0), screens.count - 1)].surface.toggleFullscreen()
                        redrawAll = true
                    case let .command(make)?: commands.post(make(state))
                    case nil: break
                    }
                }
            }
            var now = loop.now()
            let drained = commands.drain()
            for command in drained {
                let inForce = state.exhibition
                let effects = state.apply(command) { try Self.reloadExhibition(from: inForce) }
                landing.posted(at: now, onScreen: effects.contains(.redraw), frames: nil)
                for effect in effects {
                    switch effect {
                    case .redraw: redrawAll = true
                    case let .setRate(rate): for s in screens { s.source?.control.setRate(rate) }
                    case let .setLatentScale(scale): for s in screens { s.source?.control.setLatentScale(scale) }
                    case .skipToNextKeyframe: for s in screens { s.source?.control.skipToNextKeyframe() }
                    case .snapshot: if let error = saveSnapshots(screens) { lastError = error }
                    case .restartProducers:
                        for s in screens where s.source != nil {
                            let next = (s.current?.index ?? -1) + 1
                            s.stop()
                            start(s, startFrame: next)
                        }
                    case let .log(line):
                        log(line)
                        if line.contains("failed") || line.contains("ignored") { lastError = line }
                    }
                }
                if effects.contains(where: { if case .redraw = $0 { return false } else if case .log = $0 { return false } else { return true } }) {
                    landing.posted(at: now, onScreen: false, frames: screens.map { $0.source?.nextUnassigned })
                }
            }
            if !drained.isEmpty {
                commands.markApplied(drained.count)
                lastStatus = -Double.infinity   // a poster waits for the status that shows its command
            }

            // Opening hours: fade, then stop generating; at opening start again at the wall clock.
            let schedule = state.exhibition.schedule
            let changes = watch.update(schedule: schedule, now: now, date: scheduleDate, framesReady: screens.allSatisfy(\.hasFreshFrame))
            if watch.looked {
                for s in screens { if let line = s.detailLogLine(automatic: s.monitor.snapshot()?.automatic ?? false) { log(line) } }
            }
            for change in changes {
                switch change {
                case .stopProducers:
                    for s in screens { s.stop(); s.clearFrame() }
                    log("closed by [schedule]; generation stopped; \(ScheduleWatch.nextChangeText(schedule, after: scheduleDate()))")
                case .startProducers:
                    for s in screens { start(s) }
                    log("open by [schedule]; generating again at the wall clock's show time")
                case let .displaySleep(allowed):
                    display.allowDisplaySleep(allowed)
                }
                redrawAll = true
            }
            if !changes.isEmpty { card = schedule.outside == .card ? cardLines(schedule, at: scheduleDate()) : nil }
            let brightness = watch.brightness(at: now)
            let fading = brightness > 0 && brightness < 1
            let dt = min(now - last, 0.25)
            last = now

            // The overlay's figures and the credits change a few times a second; more often would only cost CPU.
            let overlayDue = state.overlayVisible && now - lastOverlayUpdate >= 0.25
            if overlayDue { lastOverlayUpdate = now }
            let creditsDue = now - lastCreditUpdate >= 0.25
            if creditsDue { lastCreditUpdate = now }
            var statusDue = now - lastStatus >= 0.25
            let limitReached = options.seconds.map { now - started >= $0 } ?? false
            let framesReached = options.maxFrames.map { n in screens.allSatisfy { $0.pacing.shown >= n } } ?? false
            let finishing = limitReached || framesReached

            // Snapshots asked for by a remote control: the frame on screen, handed over as it is (no copy here).
            if !frameRequests.isEmpty { frameRequests.fulfil { i in i < screens.count ? screens[i].current?.frame : nil } }

            // Draw and present only windows that changed: a new frame, new overlay figures, or a redraw request.
            var presented = false
            for s in screens {
                if let error = s.source?.error { throw error }
                let newFrame = s.advance(dt: dt, paused: state.paused, now: now) > 0
                if newFrame, let index = s.current?.index { landing.shown(index, screen: s.index, at: now) }
                if newFrame, s.sitterChanged() { statusDue = true }
                let creditChanged = creditsDue && s.refreshCredit()
                if overlayDue {
                    s.overlay = LiveOverlay.lines(status: s.status(wall: wallClock(), lanes: lanes), title: exhibition.title, model: model,
                                                  detail: s.monitor.snapshot(), paused: state.paused, resembles: s.credit?.resembles,
                                                  lastCommandMilliseconds: landing.lastMilliseconds,
                                                  driver: "\(display.videoDriver) / \(s.surface.rendererName)")
                }
                guard newFrame || overlayDue || creditChanged || redrawAll || finishing || fading else { continue }
                try s.surface.draw(s.picture(overlay: state.overlayVisible, blackout: state.blackout, brightness: brightness, card: card))
                if finishing, s.index == screens.count - 1, let url = options.screenshot {
                    try saveScreenshots(screens, to: url, overlay: state.overlayVisible, blackout: state.blackout, brightness: brightness, card: card)
                }
                s.surface.present()
                presented = true
            }
            if presented { landing.presented(at: loop.now()) }
            redrawAll = false
            if presented { presents += 1 }
            if finishing { quit = true }

            now = loop.now()
            if statusDue || options.notify != nil {
                let status = makeStatus(state: state, screens: screens, watch: watch, uptime: now - started, wall: wallClock(),
                                        scheduleDate: scheduleDate(), landing: landing, lastError: lastError)
                if statusDue {
                    statusBoard.publish(status)
                    lastStatus = now
                }
                if let notify = options.notify {
                    let silent: Double? = watch.curtain.generating ? screens.map { now - ($0.lastDeliveryAt ?? $0.startedAt) }.max() : nil
                    let waiting = screens.allSatisfy(\.isWaitingOnFullQueue)
                    let ready = !watch.curtain.generating || screens.allSatisfy { $0.pacing.shown > 0 }
                    for message in heartbeat.messages(now: now, presented: presented, screensReady: ready, silentSeconds: silent, waiting: waiting,
                                                      status: { status.statusLine }) {
                        notify(message)
                    }
                }
            }
            if !watch.curtain.generating && !finishing {
                // Closed: nothing moves; look at the schedule and the keys four times a second (the CPU idles).
                loop.sleep(until: now + 0.25)
                continue
            }
            if !presented || !options.pacedByVsync {
                // Nothing presented or no vsync to pace us: sleep to the display's refresh rate.
                loop.sleep(until: last + 1 / max(options.refreshRate, 1))
            }
        }

        let seconds = max(loop.now() - started, 1e-6)
        return Report(
            seconds: seconds,
            screens: screens.map { s in
                let depth = s.source?.capacity ?? lanes.depth(fps: fps)
                return Report.ScreenReport(name: s.screen.name, framesShown: s.pacing.shown, framesPerSecond: Double(s.pacing.shown) / seconds,
                                           meanRenderSeconds: s.pacing.meanRenderSeconds, meanSpeed: s.pacing.meanSpeed,
                                           presentsPerSecond: Double(presents) / seconds,
                                           textureWidth: s.current?.frame.width ?? 0, textureHeight: s.current?.frame.height ?? 0,
                                           detail: s.monitor.snapshot()?.overlayLines.joined(separator: "; ") ?? "not started",
                                           intervalVariation: s.pacing.intervalVariation,
                                           producers: lanes.producers, threadsEach: lanes.threadsEach,
                                           depthFrames: depth, depthMilliseconds: Double(depth) * 1000 / fps)
            },
            videoDriver: display.videoDriver, renderer: surfaces.first?.rendererName ?? "",
            lastCommandMilliseconds: landing.lastMilliseconds)
    }

    /// The status snapshot of the show now.
    private func makeStatus(state: ShowState, screens: [LiveScreen], watch: ScheduleWatch, uptime: Double, wall: Double, scheduleDate: Date,
                            landing: CommandLanding, lastError: String?) -> ShowStatus {
        ShowStatus(title: state.exhibition.title, uptime: uptime, open: watch.curtain.generating,
                   nextChange: ScheduleWatch.nextChangeText(state.exhibition.schedule, after: scheduleDate),
                   paused: state.paused, blackout: state.blackout, overlay: state.overlayVisible, speed: state.speed, truncation: state.truncation,
                   modelName: model.name, modelCredit: model.credit, screens: screens.map { $0.status(wall: wall, lanes: lanes) },
                   lastCommandMilliseconds: landing.lastMilliseconds, lastError: lastError, commandsApplied: commands.applied)
    }

    /// Reads every window's back buffer (drawn this iteration; earlier ones already presented, so they are
    /// drawn again first) and saves them.
    private func saveScreenshots(_ screens: [LiveScreen], to url: URL, overlay: Bool, blackout: Bool, brightness: Double, card: [String]?) throws {
        for s in screens {
            try s.surface.draw(s.picture(overlay: overlay, blackout: blackout, brightness: brightness, card: card))
            let target = s.index == 0 ? url : URL(fileURLWithPath: url.deletingPathExtension().path + "-\(s.index + 1).png")
            try PNGCodec.write(try s.surface.readPixels(), to: target)
        }
    }

    /// Saves each screen's frame to the snapshot folder; the error, if one failed.
    private func saveSnapshots(_ screens: [LiveScreen]) -> String? {
        let folder = URL(fileURLWithPath: exhibition.window.snapshotFolder)
        let stamp = Self.timestamp()
        var failure: String?
        for s in screens {
            guard let item = s.current else { continue }
            let url = folder.appendingPathComponent("likeness-\(s.screen.name)-seed\(s.screen.seed)-\(stamp).png")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try PNGCodec.write(item.frame, to: url)
                log("snapshot saved to \(url.path)")
            } catch {
                failure = "snapshot failed: \(error)"
                log(failure ?? "")
            }
        }
        return failure
    }

    /// The card shown while closed (`outside = "card"`): the title, the model's credit, the next opening.
    private func cardLines(_ schedule: Schedule, at date: Date) -> [String] {
        [exhibition.title, model.credit, ScheduleWatch.nextChangeText(schedule, after: date)].filter { !$0.isEmpty }
    }

    /// Reads the exhibition's file again (with the same seeds as the one in force, which may come from `--seed`).
    public static func reloadExhibition(from current: Exhibition) throws -> Exhibition {
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

// MARK: - CommandLanding

/// When the last command reached the screen: a command the window shows itself (pause, blackout, overlay)
/// lands at the next present; one the producers paint (speed, truncation, next sitter, reload) lands when
/// each screen shows the first frame assigned after it. Pure.
struct CommandLanding: Equatable {
    private var postedAt: Double?
    private var waitingForPresent = false
    /// Per screen, the frame number the command lands on (nil: that screen has no producer).
    private var frames: [Int?] = []
    private var landed: [Bool] = []
    /// Milliseconds from the last command to its landing.
    private(set) var lastMilliseconds: Double?

    /// A command was applied at `now`: on screen at the next present (`onScreen`), or on `frames`.
    mutating func posted(at now: Double, onScreen: Bool, frames: [Int?]?) {
        postedAt = now
        waitingForPresent = onScreen && frames == nil
        self.frames = frames ?? []
        landed = self.frames.map { $0 == nil }
    }

    mutating func presented(at now: Double) {
        guard waitingForPresent, let postedAt else { return }
        waitingForPresent = false
        lastMilliseconds = (now - postedAt) * 1000
    }

    mutating func shown(_ index: Int, screen: Int, at now: Double) {
        guard let postedAt, screen < frames.count, !landed[screen], let target = frames[screen], index >= target else { return }
        landed[screen] = true
        if landed.allSatisfy({ $0 }) {
            lastMilliseconds = (now - postedAt) * 1000
            frames = []
        }
    }
}
