import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - HeadlessJob

/// Which frames a headless run makes: `count` frames from `startFrame` at `fps`, `width x height`.
public struct HeadlessJob: Sendable, Equatable {
    public var screenIndex: Int
    public var fps: Int
    public var width: Int, height: Int
    /// First frame number (frame `i` shows show time `origin + i / fps`).
    public var startFrame: Int
    /// Show time of frame 0: 0, or a show moment (`--at`: that moment minus `[show] epoch`).
    public var origin: Double
    /// Frames to make; nil = until stopped (or the reader goes away).
    public var count: Int?

    public init(screenIndex: Int = 0, fps: Int, width: Int, height: Int, startFrame: Int = 0, count: Int?, origin: Double = 0) {
        self.origin = origin
        self.screenIndex = screenIndex
        self.fps = fps
        self.width = width
        self.height = height
        self.startFrame = startFrame
        self.count = count
    }
}

// MARK: - HeadlessRenderer

/// Renders frames of one screen without a window and hands them to a `FrameSink` (PNGs, a pipe, ffmpeg).
///
/// Two stages: `FrameProducer`s (path → generator → detail stages → Lanczos-3 on float planes → RGB8) fill small
/// queues while the calling thread encodes and writes, so PNG compression or the pipe overlap with inference. With
/// `[output] threading = "frames"` there is one producer per thread, each painting every n-th frame with its own
/// single-threaded models (see ``HeadlessThreading``). Frames depend only on the
/// exhibition, the seed and the frame number, never on timing: the same job gives byte-identical frames.
/// Stops cleanly (sink finished) on `StopSignal`.
public final class HeadlessRenderer {
    public let exhibition: Exhibition
    public let job: HeadlessJob
    private let makeGenerator: GeneratorFactory
    private let makePath: PathFactory
    private let stopRequested: @Sendable () -> Bool
    private let detail: [DetailStageFile]

    /// - Parameters:
    ///   - detail: the detail stages after the generator (`LoadedModel.detail`); all of them run, always.
    ///   - stopRequested: polled before each frame; by default SIGINT/SIGTERM (`StopSignal`).
    public init(exhibition: Exhibition, job: HeadlessJob, makeGenerator: @escaping GeneratorFactory, makePath: @escaping PathFactory,
                detail: [DetailStageFile] = [],
                stopRequested: @escaping @Sendable () -> Bool = { StopSignal.isRequested }) {
        self.detail = detail
        self.stopRequested = stopRequested
        precondition(exhibition.screens.indices.contains(job.screenIndex), "no screen \(job.screenIndex)")
        self.exhibition = exhibition
        self.job = job
        self.makeGenerator = makeGenerator
        self.makePath = makePath
    }

    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        /// All requested frames were written.
        case completed(frames: Int)
        /// Stopped by SIGINT/SIGTERM after this many frames (the output is finalised).
        case interrupted(frames: Int)
        /// The reader of the output went away (e.g. `| head`) after this many frames.
        case outputClosed(frames: Int)
    }

    /// The producers a run starts and the threads each model gets: with `[output] threading = "frames"`, one
    /// producer per thread of `[model] threads` (0: `automaticThreads`, the engine's own choice), each model on one
    /// thread, but never more producers than frames; with `"layers"`, one producer whose models split every layer
    /// over all the threads.
    public static func lanes(threading: HeadlessThreading, threads: Int, frames: Int?,
                             automaticThreads: Int = CompiledModel.automaticThreads) -> (producers: Int, threadsEach: Int) {
        guard threading == .frames else { return (1, threads) }
        let total = threads > 0 ? threads : max(1, automaticThreads)
        let producers = max(1, min(total, frames ?? total))
        return producers == 1 ? (1, threads) : (producers, 1)
    }

    /// Renders the job into `sink`; calls `progress` after each frame written.
    public func run(into sink: FrameSink, progress: ((Int) -> Void)? = nil) throws -> Outcome {
        let job = self.job
        let exhibition = self.exhibition
        let makeGenerator = self.makeGenerator
        let makePath = self.makePath
        let stopRequested = self.stopRequested
        let lanes = Self.lanes(threading: exhibition.output.threading, threads: exhibition.model.threads, frames: job.count)
        let threads = lanes.threadsEach
        let configuration = StagePipeline.Configuration.standard(width: job.width, height: job.height,
                                                                 fit: exhibition.output.fit, background: exhibition.output.background,
                                                                 detail: detail, threads: threads)
        // One producer; with frame threading its threads paint whole frames side by side, delivered in order.
        let producer = FrameProducer(name: "frames", producers: lanes.producers, capacity: lanes.producers > 1 ? 2 * lanes.producers : 3,
                                     fps: Double(job.fps), startFrame: job.startFrame, count: job.count,
                                     origin: job.origin, stopRequested: stopRequested) {
            let generator = try makeGenerator(threads)
            let path = makePath(exhibition.screens[job.screenIndex], exhibition.motion, generator.zDim)
            return FrameRenderer(generator: generator, path: path, configuration: configuration)
        }
        producer.start()
        func stopAll() { producer.stop() }
        func firstError() -> (any Error)? { producer.error }

        var written = 0
        var outcome: Outcome?
        while let item = producer.take() {
            if stopRequested() { break }
            do {
                try sink.write(item.frame)
            } catch MediaError.brokenPipe {
                outcome = .outputClosed(frames: written)
                break
            } catch {
                stopAll()
                try? sink.finish()
                throw error
            }
            producer.release(item)
            written += 1
            progress?(written)
        }
        stopAll()
        if let error = firstError() {
            try? sink.finish()
            throw error
        }
        try sink.finish()
        if let outcome { return outcome }
        if stopRequested(), job.count.map({ written < $0 }) ?? true { return .interrupted(frames: written) }
        return .completed(frames: written)
    }
}

// MARK: - ErrorBox

/// An error handed from a worker thread to the thread that waits for it.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?

    func set(_ error: any Error) {
        lock.lock()
        if self.error == nil { self.error = error }
        lock.unlock()
    }

    func get() -> (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
