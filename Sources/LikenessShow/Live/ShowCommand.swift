import Foundation

// MARK: - ShowCommand

/// Everything a person (keys today; HTTP and OSC later) can ask of a live show.
///
/// Commands are posted to a `ShowCommandQueue` from any thread and applied by the frame loop, one after
/// another, to its `ShowState` (`ShowState.apply(_:)`), which says what the loop must then do.
public enum ShowCommand: Sendable, Equatable {
    case pause
    case resume
    /// Fast-forward smoothly to the next sitter (the next keyframe of the path).
    case nextSitter
    /// The motion's tempo, as `[motion] speed` (0.01 to 100).
    case setSpeed(Double)
    /// The latent truncation, as `[motion] truncation` (0.05 to 2).
    case setTruncation(Double)
    case overlay(Bool)
    /// Save what is on screen to the snapshot folder.
    case snapshot
    /// Show only the background (true) or the portraits again (false).
    case blackout(Bool)
    /// Read the exhibition file again; a file with an error is logged and the old one kept.
    case reload
}

// MARK: - ShowCommandQueue

/// A thread-safe queue of commands: any thread posts (keys, the HTTP API, OSC), the frame loop drains once per
/// iteration. Counts what each source posted (for the metrics) and what the loop has applied, so a poster can
/// wait until its command took effect.
public final class ShowCommandQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var commands: [ShowCommand] = []
    private var posted = 0
    private var drained = 0
    private var bySource: [String: Int] = [:]

    public init() {}

    /// Adds a command (from any thread); returns its number: it has taken effect once ``applied`` reaches it.
    @discardableResult
    public func post(_ command: ShowCommand, source: String = "keys") -> Int {
        lock.withLock {
            commands.append(command)
            posted += 1
            bySource[source, default: 0] += 1
            return posted
        }
    }

    /// Takes every command posted so far, oldest first.
    public func drain() -> [ShowCommand] {
        lock.withLock {
            let taken = commands
            commands.removeAll(keepingCapacity: true)
            return taken
        }
    }

    /// Marks the commands of the last ``drain()`` applied (the loop calls it once their effects are done).
    public func markApplied(_ count: Int) {
        lock.withLock { drained += count }
    }

    /// Commands applied by the loop so far.
    public var applied: Int { lock.withLock { drained } }

    /// Commands posted so far, per source ("keys", "http", "osc").
    public var countsBySource: [String: Int] { lock.withLock { bySource } }
}
