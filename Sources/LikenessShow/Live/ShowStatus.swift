import Foundation
import LikenessMedia

// MARK: - ShowStatus

/// What a live show is doing, as a remote control, the overlay and systemd's STATUS line read it: one
/// snapshot, made by the loop a few times a second and published on a ``ShowStatusBoard``.
public struct ShowStatus: Sendable, Equatable, Codable {
    /// One screen.
    public struct Screen: Sendable, Equatable, Codable {
        public var name: String
        public var seed: UInt64
        /// The detail level on screen (0: the generator alone) and the highest.
        public var level: Int
        public var maximumLevel: Int
        /// New frames shown per second (smoothed).
        public var framesPerSecond: Double
        /// Show-clock speed: 1 = the exhibition's tempo, lower when production cannot keep up.
        public var speed: Double
        /// Show time of the frame on screen (nil before the first).
        public var showTime: Double?
        /// How far the frame on screen is behind the wall clock's show time, seconds (0 when ahead).
        public var behindSeconds: Double
        /// The index of the keyframe (sitter) on screen: the last one reached (nil: no frame, or a path without keyframes).
        public var sitter: Int?
        /// New frames shown since the start.
        public var framesShown: Int
        /// Producer threads, threads per model, and the render-ahead: frames assigned beyond the one on screen.
        public var producers: Int
        public var threadsEach: Int
        public var aheadFrames: Int
        /// Smoothed milliseconds one thread takes per frame.
        public var frameMilliseconds: Double
        /// Smoothed milliseconds of each step that ran in the last frames (generator, each detail stage,
        /// lanczos, crossfade, rgb8).
        public var stageMilliseconds: [String: Double] = [:]
        /// What the sitter on screen resembles ("resembles A · B · C") and its works' credits and pages (a
        /// model with lineage; empty otherwise).
        public var resembles: String?
        public var works: [Work] = []

        /// One training work a sitter resembles.
        public struct Work: Sendable, Equatable, Codable {
            public var credit: String
            public var url: String
            public init(credit: String, url: String) {
                self.credit = credit
                self.url = url
            }
        }

        public init(name: String, seed: UInt64, level: Int = 0, maximumLevel: Int = 0, framesPerSecond: Double = 0, speed: Double = 1,
                    showTime: Double? = nil, behindSeconds: Double = 0, sitter: Int? = nil, framesShown: Int = 0, producers: Int = 1,
                    threadsEach: Int = 1, aheadFrames: Int = 0, frameMilliseconds: Double = 0) {
            self.name = name
            self.seed = seed
            self.level = level
            self.maximumLevel = maximumLevel
            self.framesPerSecond = framesPerSecond
            self.speed = speed
            self.showTime = showTime
            self.behindSeconds = behindSeconds
            self.sitter = sitter
            self.framesShown = framesShown
            self.producers = producers
            self.threadsEach = threadsEach
            self.aheadFrames = aheadFrames
            self.frameMilliseconds = frameMilliseconds
        }
    }

    public var title: String
    /// Seconds since the show started.
    public var uptime: Double
    /// Whether the schedule has the show open (generating).
    public var open: Bool
    /// "closes Mon 7 Dec 18:00 (Europe/Paris)"; empty without a schedule.
    public var nextChange: String
    public var paused: Bool
    public var blackout: Bool
    public var overlay: Bool
    /// The live tempo and truncation.
    public var speed: Double
    public var truncation: Double
    public var modelName: String
    public var modelCredit: String
    public var screens: [Screen]
    /// Milliseconds from the last command to the first frame on screen that shows it (nil: none yet).
    public var lastCommandMilliseconds: Double?
    /// The last error the loop logged (a failed reload, a failed snapshot); nil: none.
    public var lastError: String?
    /// Commands the loop has applied so far (see ``ShowCommandQueue/post(_:source:)``).
    public var commandsApplied = 0

    public init(title: String, uptime: Double = 0, open: Bool = true, nextChange: String = "", paused: Bool = false, blackout: Bool = false,
                overlay: Bool = false, speed: Double = 1, truncation: Double = 1, modelName: String = "", modelCredit: String = "",
                screens: [Screen] = [], lastCommandMilliseconds: Double? = nil, lastError: String? = nil, commandsApplied: Int = 0) {
        self.title = title
        self.uptime = uptime
        self.open = open
        self.nextChange = nextChange
        self.paused = paused
        self.blackout = blackout
        self.overlay = overlay
        self.speed = speed
        self.truncation = truncation
        self.modelName = modelName
        self.modelCredit = modelCredit
        self.screens = screens
        self.lastCommandMilliseconds = lastCommandMilliseconds
        self.lastError = lastError
        self.commandsApplied = commandsApplied
    }

    /// systemd's STATUS= line: open or closed, screens, new frames per second, speed, lag behind the wall clock.
    public var statusLine: String {
        guard open else { return "closed; \(nextChange.isEmpty ? "no opening ahead" : nextChange); \(screens.count) screen(s)" }
        let fps = screens.map(\.framesPerSecond).min() ?? 0
        let speed = Int(((screens.map(\.speed).min() ?? 1) * 100).rounded())
        let lag = screens.map(\.behindSeconds).max() ?? 0
        let level = screens.map { "\($0.level)/\($0.maximumLevel)" }.joined(separator: ",")
        return String(format: "open; %d screen(s); %.1f new frames/s; speed %d%%; %.1f s behind the wall clock; detail %@%@",
                      screens.count, fps, speed, lag, level, paused ? "; paused" : "")
    }
}

// MARK: - ShowStatusBoard

/// Where the loop publishes its ``ShowStatus`` for readers on other threads (a remote control). Thread-safe.
public final class ShowStatusBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var status: ShowStatus?

    public init() {}

    /// Replaces the snapshot (the loop, a few times a second).
    public func publish(_ status: ShowStatus) {
        lock.withLock { self.status = status }
    }

    /// The latest snapshot; nil before the loop made one.
    public func read() -> ShowStatus? {
        lock.withLock { status }
    }
}

// MARK: - FrameRequests

/// Frames asked for from other threads (a remote control's snapshot), handed over by the loop at its next
/// iteration: the frame on screen as it is, no copy on the loop's side (the producer copies a frame someone
/// still holds instead of painting over it: one allocation per snapshot, never per frame). An answer that does
/// not come within the timeout (a loop that stopped) is nil.
public final class FrameRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [(id: Int, screen: Int, continuation: CheckedContinuation<Frame?, Never>)] = []
    private var nextID = 0

    public init() {}

    /// The frame screen `screen` shows at the loop's next iteration; nil after `timeout` seconds or for no frame.
    public func frame(screen: Int, timeout: Double = 2) async -> Frame? {
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        return await withCheckedContinuation { continuation in
            lock.withLock { waiting.append((id, screen, continuation)) }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                self.resolve(id: id, with: nil)
            }
        }
    }

    /// Whether anyone waits (the loop skips the call otherwise).
    public var isEmpty: Bool { lock.withLock { waiting.isEmpty } }

    /// Answers every waiting request with `frame(screen)` (the loop, once per iteration).
    public func fulfil(_ frame: (Int) -> Frame?) {
        let taken: [(id: Int, screen: Int, continuation: CheckedContinuation<Frame?, Never>)] = lock.withLock {
            guard !waiting.isEmpty else { return [] }
            let all = waiting
            waiting.removeAll()
            return all
        }
        for request in taken { request.continuation.resume(returning: frame(request.screen)) }
    }

    private func resolve(id: Int, with frame: Frame?) {
        let found: CheckedContinuation<Frame?, Never>? = lock.withLock {
            guard let i = waiting.firstIndex(where: { $0.id == id }) else { return nil }
            return waiting.remove(at: i).continuation
        }
        found?.resume(returning: frame)
    }
}
