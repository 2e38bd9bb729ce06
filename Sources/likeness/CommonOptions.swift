import ArgumentParser
import Foundation
import LikenessMedia
import LikenessShow

// MARK: - ExhibitionOptions

/// The exhibition file and the overrides every rendering command shares.
struct ExhibitionOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The exhibition file (TOML).", valueName: "exhibition"))
    var exhibition: String = "Exhibition/default.toml"

    @Option(help: ArgumentHelp("Use this model (.onnx) instead of the exhibition's [model] path.", valueName: "path"))
    var model: String?

    @Option(help: ArgumentHelp("Seed of the first screen (further screens get seed+1, seed+2, …).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("A moment of the show's timeline (RFC 3339, e.g. 2026-12-24T18:00:00Z): show previews it; frames and record start there.", valueName: "time"))
    var at: String?

    /// `--at` as an instant.
    func moment() throws -> Date? {
        guard let at else { return nil }
        guard let date = RFC3339.date(from: at) else {
            throw CommandError("--at '\(at)' is not an RFC 3339 timestamp; write it like 2026-12-24T18:00:00Z or 2026-12-24T19:00:00+01:00")
        }
        return date
    }

    /// Loads the exhibition and applies the overrides.
    func load() throws(ShowError) -> Exhibition {
        var exhibition = try Exhibition.load(contentsOf: URL(fileURLWithPath: self.exhibition))
        if let seed {
            for i in exhibition.screens.indices { exhibition.screens[i].seed = seed &+ UInt64(i) }
        }
        return exhibition
    }
}

// MARK: - OutputOptions

/// Frame rate and size overrides for `frames` and `record`.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Frames per second (default: the exhibition's [output] fps).", valueName: "fps"))
    var fps: Int?

    @Option(help: ArgumentHelp("Output size WIDTHxHEIGHT, e.g. 1920x1080 (default: the exhibition's [output] size).", valueName: "size"))
    var size: String?

    @Option(help: ArgumentHelp("Which screen of the exhibition to render: its index from 0 or its name.", valueName: "screen"))
    var screen: String = "0"

    func validate() throws {
        if let fps, !(1...240).contains(fps) { throw ValidationError("--fps must be 1 to 240, got \(fps)") }
        if let size { _ = try parseSize(size) }
    }

    /// The screen index for `exhibition`.
    func screenIndex(in exhibition: Exhibition) throws -> Int {
        if let i = Int(screen), exhibition.screens.indices.contains(i) { return i }
        if let i = exhibition.screens.firstIndex(where: { $0.name == screen }) { return i }
        let names = exhibition.screens.enumerated().map { "\($0.offset) (\($0.element.name))" }.joined(separator: ", ")
        throw ValidationError("no screen '\(screen)' in this exhibition; it has: \(names)")
    }

    /// Applies the overrides to the exhibition's output settings.
    func apply(to exhibition: inout Exhibition) throws {
        if let fps { exhibition.output.fps = fps }
        if let size {
            let parsed = try parseSize(size)
            exhibition.output.width = parsed.width
            exhibition.output.height = parsed.height
        }
    }
}

// MARK: - Sizes

/// `WIDTHxHEIGHT`, 16 … 7680 wide and 16 … 4320 high; with `evenSides` (video: H.264 yuv420p) both even.
/// The one parser of a size on the command line (`frames`, `record`, `bench --size`).
func parseSize(_ text: String, evenSides: Bool = true) throws -> (width: Int, height: Int) {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...7680).contains(w), (16...4320).contains(h) else {
        throw ValidationError("--size must look like 1920x1080 (16 to 7680 wide, 16 to 4320 high), got '\(text)'")
    }
    guard !evenSides || (w % 2 == 0 && h % 2 == 0) else {
        throw ValidationError("--size needs even numbers (H.264 yuv420p), got '\(text)'; try \(w + w % 2)x\(h + h % 2)")
    }
    return (w, h)
}

// MARK: - Errors

/// A problem the command found itself (a missing file, a malformed latent file), with its hint.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// The one way every command reports an error: `likeness: error: …` on stderr (one line, no
/// stack trace), then the exit code for it.
func fail(_ error: any Error) -> ExitCode {
    if error is ExitCode { return error as? ExitCode ?? .failure }
    FileHandle.standardError.write(Data("likeness: error: \(error)\n".utf8))
    return .failure
}

/// A note on stderr.
func note(_ text: String) {
    FileHandle.standardError.write(Data("likeness: \(text)\n".utf8))
}
