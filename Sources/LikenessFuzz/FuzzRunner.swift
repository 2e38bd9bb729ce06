import Foundation

// MARK: - FuzzRunner

/// A deterministic mutation fuzzer: the same target, corpus and seed give the same inputs in the same order.
///
/// Each execution picks an entry of the pool, mutates it with ``Mutator`` and runs it in-process. The pool
/// starts as the seed corpus and keeps (up to ``Configuration/poolLimit``) inputs that got past the first
/// check with an error not seen before (its message with digits and quoted names left out), and now and
/// then an accepted one: without coverage feedback, new kinds of late error are the sign of new ground. Findings:
/// - a trap or crash: the process dies, ``CrashRecorder`` has saved the input as
///   `<target>-crash-seed<seed>.<ext>` in the regressions folder;
/// - an input still running after twice ``Configuration/timeLimit``: the watchdog saves it as `…-hang-…`
///   and ends the process (an in-process hang cannot be interrupted);
/// - an input that finishes but took longer than the limit (`…-slow-…`), or whose error breaks the rules
///   for messages (`…-message-…`): saved, listed in the report, and the run goes on.
public struct FuzzRunner {
    public struct Configuration: Sendable {
        /// Executions to run.
        public var runs: Int
        /// Stop earlier after this many seconds (nil: no time budget).
        public var seconds: Double?
        public var seed: UInt64
        /// One input taking longer than this is a finding.
        public var timeLimit: Duration
        /// Where findings are saved (`Tests/Fixtures/fuzz/regressions`).
        public var regressions: URL
        /// Most inputs kept for further mutation.
        public var poolLimit: Int

        public init(runs: Int, seconds: Double? = nil, seed: UInt64 = 1, timeLimit: Duration = .seconds(2),
                    regressions: URL, poolLimit: Int = 512) {
            self.runs = runs
            self.seconds = seconds
            self.seed = seed
            self.timeLimit = timeLimit
            self.regressions = regressions
            self.poolLimit = poolLimit
        }
    }

    /// What a run did.
    public struct Report: Sendable, CustomStringConvertible {
        public var target: String
        public var seed: UInt64
        public var executions = 0
        public var accepted = 0
        public var rejectedEarly = 0
        public var rejectedLate = 0
        public var poolSize = 0
        /// Distinct kinds of error seen (messages with digits and quoted names left out).
        public var errorKinds = 0
        public var elapsed: Duration = .zero
        public var slowest: Duration = .zero
        /// One line per finding, with the file it was saved as.
        public var findings: [String] = []

        public var executionsPerSecond: Double {
            let seconds = Self.seconds(elapsed)
            return seconds > 0 ? Double(executions) / seconds : 0
        }

        public var description: String {
            let timing = String(format: "%.1f s (%.0f/s), slowest input %.1f ms", Self.seconds(elapsed), executionsPerSecond,
                                Self.seconds(slowest) * 1000)
            return "\(target): \(executions) executions in \(timing), seed \(seed): \(accepted) accepted, "
                + "\(rejectedLate) refused by validation, \(rejectedEarly) refused by the parser (\(errorKinds) kinds of error); "
                + "pool \(poolSize); "
                + (findings.isEmpty ? "no findings" : "\(findings.count) findings:\n  " + findings.joined(separator: "\n  "))
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        }
    }

    /// Runs `target` on mutations of `corpus` (which must not be empty).
    public static func run(_ target: some FuzzTarget, corpus: [[UInt8]], configuration: Configuration,
                           progress: ((Report) -> Void)? = nil) throws(FuzzError) -> Report {
        let mutator = Mutator(dictionary: target.dictionary, maximumLength: target.maximumLength)
        var random = FuzzRandom(seed: configuration.seed)
        var pool = corpus.isEmpty ? [[]] : corpus
        var kinds: Set<String> = []
        var report = Report(target: target.name, seed: configuration.seed)
        let crashPath = configuration.regressions.appendingPathComponent("\(target.name)-crash-seed\(configuration.seed).\(target.fileExtension)")
        try? FileManager.default.createDirectory(at: configuration.regressions, withIntermediateDirectories: true)
        // A crash saved by an earlier run with this seed gets a name of its own before this run can overwrite it.
        if let earlier = FileManager.default.contents(atPath: crashPath.path) {
            _ = try FuzzCorpus.save([UInt8](earlier), kind: "crash", target: target, in: configuration.regressions)
            try? FileManager.default.removeItem(at: crashPath)
        }
        let recorder = CrashRecorder(path: crashPath.path, capacity: target.maximumLength)
        defer { recorder.uninstall() }
        let watchdog = Watchdog(limit: configuration.timeLimit, target: target, regressions: configuration.regressions)
        defer { watchdog.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        var lastProgress = start

        // The seeds themselves first, then mutations.
        var seedsLeft = corpus.count
        while report.executions < configuration.runs {
            if let seconds = configuration.seconds, start.duration(to: clock.now) > .seconds(seconds) { break }
            let input: [UInt8]
            if seedsLeft > 0 {
                input = corpus[corpus.count - seedsLeft]
                seedsLeft -= 1
            } else {
                input = mutator.mutate(pool[random.below(pool.count)], corpus: pool, random: &random)
            }
            recorder.unsafeRemember(input)
            watchdog.begin(input)
            let began = clock.now
            let outcome = target.run(input)
            let took = began.duration(to: clock.now)
            watchdog.end()
            report.executions += 1
            report.slowest = max(report.slowest, took)
            if took > configuration.timeLimit {
                let path = try FuzzCorpus.save(input, kind: "slow", target: target, in: configuration.regressions)
                report.findings.append("an input took \(took) (limit \(configuration.timeLimit)): \(path)")
            }
            switch outcome {
            case .accepted:
                report.accepted += 1
                if random.oneIn(8) { keep(input, in: &pool, limit: configuration.poolLimit, random: &random) }
            case let .rejectedLate(message):
                report.rejectedLate += 1
                if kinds.insert(kind(of: message)).inserted || random.oneIn(64) {
                    keep(input, in: &pool, limit: configuration.poolLimit, random: &random)
                }
            case let .rejectedEarly(message):
                report.rejectedEarly += 1
                kinds.insert(kind(of: message))
            case let .broken(reason):
                report.rejectedLate += 1
                let path = try FuzzCorpus.save(input, kind: "message", target: target, in: configuration.regressions)
                report.findings.append("\(reason): \(path)")
            }
            if let progress, lastProgress.duration(to: clock.now) > .seconds(10) {
                lastProgress = clock.now
                report.elapsed = start.duration(to: lastProgress)
                report.poolSize = pool.count
                report.errorKinds = kinds.count
                progress(report)
            }
        }
        report.elapsed = start.duration(to: clock.now)
        report.poolSize = pool.count
        report.errorKinds = kinds.count
        return report
    }

    /// Runs saved regression cases; returns one line per case that still fails (a crash ends the process).
    public static func replay(_ target: some FuzzTarget, cases: [(name: String, bytes: [UInt8])],
                              timeLimit: Duration = .seconds(2)) -> [String] {
        var failures: [String] = []
        let clock = ContinuousClock()
        for file in cases {
            let began = clock.now
            let outcome = target.run(file.bytes)
            let took = began.duration(to: clock.now)
            if took > timeLimit { failures.append("\(file.name): took \(took)") }
            if case let .broken(reason) = outcome { failures.append("\(file.name): \(reason)") }
        }
        return failures
    }

    /// An error message without its numbers and quoted names: `f:#: key '' has value #; …`.
    static func kind(of message: String) -> String {
        var kind = ""
        var quote: Character?
        for character in message.prefix(160) {
            if let open = quote {
                if character == open { quote = nil; kind.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                kind.append(character)
            } else if character.isNumber {
                if kind.last != "#" { kind.append("#") }
            } else {
                kind.append(character)
            }
        }
        return kind
    }

    private static func keep(_ input: [UInt8], in pool: inout [[UInt8]], limit: Int, random: inout FuzzRandom) {
        if pool.count < limit {
            pool.append(input)
        } else {
            pool[random.below(pool.count)] = input
        }
    }
}

// MARK: - Watchdog

/// Ends the process, after saving the input, when one input runs longer than twice the limit (one that
/// finishes between the limit and twice it is reported by the runner as slow).
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var started: ContinuousClock.Instant?
    private var input: [UInt8] = []
    private var stopped = false
    private let limit: Duration
    private let save: @Sendable ([UInt8]) -> String

    init(limit: Duration, target: some FuzzTarget, regressions: URL) {
        self.limit = limit
        save = { input in (try? FuzzCorpus.save(input, kind: "hang", target: target, in: regressions)) ?? "(could not save it)" }
        let thread = Thread { [weak self] in
            while let self, self.check() { Thread.sleep(forTimeInterval: 0.1) }
        }
        thread.start()
    }

    func begin(_ input: [UInt8]) {
        lock.withLock {
            self.input = input
            started = ContinuousClock.now
        }
    }

    func end() { lock.withLock { started = nil } }

    func stop() { lock.withLock { stopped = true } }

    /// False once stopped; ends the process on a hang.
    private func check() -> Bool {
        let (hung, input, stopped) = lock.withLock { () -> (Bool, [UInt8], Bool) in
            (started.map { $0.duration(to: .now) > limit * 2 } ?? false, self.input, self.stopped)
        }
        if stopped { return false }
        if hung {
            let path = save(input)
            FileHandle.standardError.write(Data("likeness-fuzz: one input has run for more than \(limit * 2) (a hang); saved as \(path)\n".utf8))
            exit(3)
        }
        return true
    }
}
