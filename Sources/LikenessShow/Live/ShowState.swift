import Foundation

// MARK: - ShowState

/// The state of a live show, owned by the frame loop: what is paused, shown, and at what tempo.
///
/// Pure: `apply(_:)` changes the state and returns the `Effect`s the loop must carry out (tell the producers,
/// save a snapshot, reload the file, log a line); it never touches SDL, threads or files, so it is tested alone.
public struct ShowState: Sendable, Equatable {
    /// The exhibition in force (replaced by a successful reload).
    public private(set) var exhibition: Exhibition
    public private(set) var paused = false
    public private(set) var overlayVisible: Bool
    public private(set) var blackout = false
    /// The live tempo and truncation (start: the exhibition's).
    public private(set) var speed: Double
    public private(set) var truncation: Double

    /// What the loop does after a command.
    public enum Effect: Sendable, Equatable {
        /// Redraw every window (something visible changed).
        case redraw
        /// Tell each producer: show seconds per frame are now `rate` / fps (rate = live speed / the path's speed).
        case setRate(Double)
        /// Tell each producer: multiply latents by `scale` (live truncation / the path's truncation).
        case setLatentScale(Float)
        /// Tell each producer to fast-forward to the next keyframe.
        case skipToNextKeyframe
        /// Save a snapshot of every screen.
        case snapshot
        /// Restart the producers with the state's (new) exhibition, continuing at the current show time.
        case restartProducers
        /// A line for the log.
        case log(String)
    }

    public init(exhibition: Exhibition) {
        self.exhibition = exhibition
        overlayVisible = exhibition.window.overlay
        speed = exhibition.motion.speed
        truncation = exhibition.motion.truncation
    }

    /// Applies one command. `reload` needs the file's new contents: `loadExhibition` reads and validates it.
    public mutating func apply(_ command: ShowCommand,
                               loadExhibition: () throws -> Exhibition = { throw ShowError.invalidRequest(message: "no exhibition file to reload", hint: "start the show from a file") }) -> [Effect] {
        switch command {
        case .pause:
            if paused { return [] }
            paused = true
            return [.redraw]
        case .resume:
            if !paused { return [] }
            paused = false
            return [.redraw]
        case .nextSitter:
            return [.skipToNextKeyframe]
        case let .setSpeed(value):
            guard value.isFinite, (0.01...100).contains(value) else {
                return [.log("speed \(value) ignored; allowed: 0.01 to 100")]
            }
            speed = value
            return [.setRate(speed / exhibition.motion.speed), .redraw]
        case let .setTruncation(value):
            guard value.isFinite, (0.05...2).contains(value) else {
                return [.log("truncation \(value) ignored; allowed: 0.05 to 2")]
            }
            truncation = value
            return [.setLatentScale(Float(truncation / exhibition.motion.truncation)), .redraw]
        case let .overlay(on):
            if overlayVisible == on { return [] }
            overlayVisible = on
            return [.redraw]
        case .snapshot:
            return [.snapshot]
        case let .blackout(on):
            if blackout == on { return [] }
            blackout = on
            return [.redraw]
        case .reload:
            let fresh: Exhibition
            do {
                fresh = try loadExhibition()
            } catch {
                return [.log("reload failed, keeping the exhibition in force: \(error)")]
            }
            if fresh.screens.count != exhibition.screens.count || fresh.model != exhibition.model {
                return [.log("reload: the screens or the model changed; restart the show to apply that (nothing changed)")]
            }
            exhibition = fresh
            overlayVisible = fresh.window.overlay
            speed = fresh.motion.speed
            truncation = fresh.motion.truncation
            return [.restartProducers, .redraw, .log("reloaded \(fresh.source?.path ?? "the exhibition")")]
        }
    }
}
