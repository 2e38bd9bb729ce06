import Foundation
import LikenessMedia

// MARK: - LiveScreen

/// One screen of a live show: its surface, its frame source, the frame on screen, its pacing and credits.
final class LiveScreen {
    let index: Int
    let screen: Screen
    let surface: any LiveSurface
    /// What the producer's pipeline does (stage times, level), for the overlay and the status.
    let monitor = DetailMonitor()
    private(set) var source: (any LiveFrameSource)?
    private(set) var pacing: ScreenPacing
    /// The frame on screen.
    private(set) var current: FrameQueue.Item?
    /// The overlay's lines (refreshed a few times a second while it is visible).
    var overlay: [String]?
    /// What the sitter on screen resembles, and the caption with it.
    private(set) var credit: SitterCredit?
    private(set) var caption: String?
    private let baseCaption: String?
    private let credits: (any SitterCreditProvider)?
    private let path: (any LatentSource)?
    /// When the source was started, and when a frame last came from it (loop clock).
    private(set) var startedAt = 0.0
    private(set) var lastDeliveryAt: Double?
    /// Whether a frame from the running source is on screen (a fresh start shows none yet).
    private(set) var hasFreshFrame = false
    /// The detail level last logged (nil: none yet for this source).
    private var loggedLevel: Int?
    private var now = 0.0

    init(index: Int, screen: Screen, surface: any LiveSurface, fps: Double, caption: String?, credits: (any SitterCreditProvider)?,
         path: (any LatentSource)?) {
        self.index = index
        self.screen = screen
        self.surface = surface
        pacing = ScreenPacing(fps: fps)
        baseCaption = caption
        self.caption = caption
        self.credits = credits
        self.path = path
    }

    /// Whether the source waits because its queue is full (the loop is paused, not stuck).
    var isWaitingOnFullQueue: Bool {
        guard let source else { return false }
        return source.queuedCount >= source.capacity
    }

    func start(_ source: any LiveFrameSource, now: Double) {
        source.start()
        self.source = source
        loggedLevel = nil
        startedAt = now
        self.now = now
        lastDeliveryAt = nil
        hasFreshFrame = false
    }

    /// Stops and joins the source.
    func stop() {
        source?.stop()
        source = nil
    }

    /// Forgets the frame on screen (closing: the next opening fades in fresh frames only).
    func clearFrame() {
        current = nil
        hasFreshFrame = false
    }

    /// Moves the frame clock on by `dt` and takes the frames that are due; returns how many.
    func advance(dt: Double, paused: Bool, now: Double) -> Int {
        self.now = now
        guard let source else {
            return pacing.advance(dt: dt, paused: paused, supply: .init(queued: 0, capacity: 1, productionRate: 0)) { nil }
        }
        let supply = ScreenPacing.Supply(queued: source.queuedCount, capacity: source.capacity, productionRate: source.productionRate)
        return pacing.advance(dt: dt, paused: paused, supply: supply) {
            guard let item = source.tryTake() else { return nil }
            if let old = current { source.release(old) }
            current = item
            hasFreshFrame = true
            lastDeliveryAt = now
            return item.renderSeconds
        }
    }

    /// Asks the credit provider about the frame on screen; true when what is drawn changed.
    func refreshCredit() -> Bool {
        guard let credits, let t = current?.showTime, let next = credits.credit(atShowTime: t), next != credit else { return false }
        credit = next
        caption = baseCaption.map { $0 + "\n" + next.resembles }
        return true
    }

    func picture(overlay visible: Bool, blackout: Bool, brightness: Double, card: [String]?) -> LivePicture {
        LivePicture(frame: current?.frame, overlay: visible ? overlay : nil, caption: caption, credit: credit, blackout: blackout,
                    brightness: brightness, card: card)
    }

    /// This screen's part of the status.
    func status(wall: Double, lanes: LiveLanes) -> ShowStatus.Screen {
        let detail = monitor.snapshot()
        let t = current?.showTime
        var screen = ShowStatus.Screen(name: screen.name, seed: screen.seed, level: detail?.level ?? 0, maximumLevel: detail?.maximumLevel ?? 0,
                                 framesPerSecond: pacing.newFrameRate, speed: pacing.rate, showTime: t,
                                 behindSeconds: t.map { max(0, wall - $0) } ?? 0, sitter: t.flatMap { path?.sitter(at: $0) },
                                 framesShown: pacing.shown, producers: source?.producers ?? lanes.producers, threadsEach: lanes.threadsEach,
                                 aheadFrames: source?.aheadCount ?? 0, frameMilliseconds: pacing.renderSecondsEMA * 1000)
        if let detail {
            for (name, ms) in zip(detail.names, detail.milliseconds) { if let ms { screen.stageMilliseconds[name] = ms } }
        }
        screen.resembles = credit?.resembles
        screen.works = credit?.works.map { .init(credit: $0.credit, url: $0.url) } ?? []
        return screen
    }

    private var lastSitter: Int?

    /// Whether the sitter on screen changed since the last call (the status goes out at once then).
    func sitterChanged() -> Bool {
        guard let t = current?.showTime, let sitter = path?.sitter(at: t) else { return false }
        defer { lastSitter = sitter }
        return sitter != lastSitter
    }

    /// A log line when auto picked or changed this screen's level since the last call.
    func detailLogLine(automatic: Bool) -> String? {
        guard automatic, let s = monitor.snapshot(), s.maximumLevel > 0, !s.measuring, s.level != loggedLevel else { return nil }
        defer { loggedLevel = s.level }
        guard let previous = loggedLevel else {
            let measured = s.measuredLevelMilliseconds.enumerated().map { String(format: "%d: %.1f", $0.offset, $0.element) }.joined(separator: ", ")
            return String(format: "screen %@: detail auto picked level %d/%d (measured ms per level %@; budget %.1f ms per thread, picks <= %.1f)",
                          screen.name, s.level, s.maximumLevel, measured, s.budgetMilliseconds, s.budgetMilliseconds * 0.8)
        }
        let running = s.milliseconds.compactMap { $0 }.reduce(0, +)
        return String(format: "screen %@: detail auto %@ to level %d/%d (crossfaded; frames now %.1f ms of %.1f)", screen.name,
                      s.level < previous ? "stepped down" : "stepped up", s.level, s.maximumLevel, running, s.budgetMilliseconds)
    }
}

// MARK: - LiveOverlay

/// The info overlay's text for one screen (`i`): rates, frame time, speed, show time and lag, the model,
/// the detail level and stage times, the render-ahead, the last command's delay. Pure.
public enum LiveOverlay {
    public static func lines(status s: ShowStatus.Screen, title: String, model: ModelInfo, detail: DetailMonitor.Snapshot?, paused: Bool,
                             resembles: String?, lastCommandMilliseconds: Double?, driver: String) -> [String] {
        let speed = Int((s.speed * 100).rounded())
        let generation = s.frameMilliseconds > 0 ? Double(s.producers) * 1000 / s.frameMilliseconds : 0
        var lines = [
            "\(title) - screen \(s.name), seed \(s.seed)",
            String(format: "new frames %.1f fps; frame time %.1f ms a thread; %d producer thread%@ (%d each): up to %.1f fps",
                   s.framesPerSecond, s.frameMilliseconds, s.producers, s.producers == 1 ? "" : "s", s.threadsEach, generation),
            "speed \(speed)%\(speed < 100 ? " (generation slower than display)" : ""), render-ahead \(s.aheadFrames) frames"
                + (lastCommandMilliseconds.map { String(format: ", last command on screen after %.0f ms", $0) } ?? ""),
            String(format: "t %.1f s, %.1f s behind the wall clock%@%@", s.showTime ?? 0, s.behindSeconds,
                   s.sitter.map { ", sitter \($0 + 1)" } ?? "", paused ? " - paused" : ""),
            "model \(model.name) \(model.imageWidth)x\(model.imageHeight)",
        ]
        if let detail { lines += detail.overlayLines }
        if !model.credit.isEmpty { lines.append(model.credit) }
        if let taste = model.taste { lines.append(taste) }
        lines.append(driver)
        if let resembles { lines.append(resembles) }
        return lines
    }
}
