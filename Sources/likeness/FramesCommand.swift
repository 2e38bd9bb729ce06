import ArgumentParser
import Foundation
import LikenessLineage
import LikenessMedia
import LikenessShow

// MARK: - frames

/// `likeness frames`: numbered PNGs, or raw RGB on stdout.
struct Frames: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render frames headless: numbered PNGs (frame-000000.png, …) or raw RGB on stdout.",
        discussion: """
        Frame i shows show time i / fps (from the moment --at names, when given), so the same exhibition and \
        seed always give byte-identical files, and --start-frame resumes an interrupted run exactly where it stopped.
        With --output - every frame is WIDTH*HEIGHT*3 bytes of RGB, no header, e.g.:
          likeness frames --count 300 --output - | ffmpeg -f rawvideo -pixel_format rgb24 -video_size 1080x1080 -framerate 30 -i - out.mkv
        """
    )

    @OptionGroup var options: ExhibitionOptions
    @OptionGroup var format: OutputOptions

    @Option(help: ArgumentHelp("How many frames (required for a folder; without it, - streams until the reader stops).", valueName: "n"))
    var count: Int?

    @Option(name: .shortAndLong, help: ArgumentHelp("A folder for the PNGs, or - for raw RGB frames on stdout.", valueName: "dir"))
    var output: String

    @Option(help: ArgumentHelp("Number of the first frame (to resume).", valueName: "n"))
    var startFrame: Int = 0

    @Flag(help: "Also write lineage.json into the folder: each sitter shown and the three training works it resembles.")
    var lineage = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if count == nil && output != "-" { throw ValidationError("--count is required when writing PNGs to a folder") }
        if startFrame < 0 { throw ValidationError("--start-frame must be 0 or more") }
        if lineage && output == "-" { throw ValidationError("--lineage needs a folder (--output DIR), not stdout") }
    }

    func run() throws {
        do {
            var exhibition = try options.load()
            try format.apply(to: &exhibition)
            let screen = try format.screenIndex(in: exhibition)
            let model = try LoadedModel.load(for: exhibition, overridePath: options.model)
            StopSignal.install()
            let job = HeadlessJob(screenIndex: screen, fps: exhibition.output.fps, width: exhibition.output.width,
                                  height: exhibition.output.height, startFrame: startFrame, count: count,
                                  origin: try options.moment().map { exhibition.show.clock.showTime(at: $0) } ?? 0)
            let sink: FrameSink = output == "-"
                ? RawStreamSink()
                : try PNGSequenceSink(directory: URL(fileURLWithPath: output), startIndex: startFrame,
                                      options: exhibition.output.pngCompression.options)
            let progress = ProgressReporter(label: "frames", total: count)
            let steered = try steering(for: exhibition, model: model)
            if lineage, try Lineage.load(forModel: model.url) == nil { throw LineageError.missing(model: model.url.path) }
            let renderer = HeadlessRenderer(exhibition: exhibition, job: job,
                                            makeGenerator: model.makeGenerator, makePath: steered.makePath,
                                            detail: model.detail)
            var written = 0
            let outcome: HeadlessRenderer.Outcome
            do {
                outcome = try renderer.run(into: sink) {
                    written = $0
                    progress.update(done: $0)
                }
            } catch let error as MediaError where output != "-" && written > 0 {
                // A full disk or a vanished folder: what was written is whole (each file is renamed into place).
                progress.finish(done: written, note: "stopped by an error; frames \(startFrame)–\(startFrame + written - 1) are complete, "
                                + "resume with --start-frame \(startFrame + written) once it is fixed")
                throw error
            }
            if lineage, let frames = outcome.frames, frames > 0 {
                try writeLineageSidecar(to: URL(fileURLWithPath: output).appendingPathComponent("lineage.json"), exhibition: exhibition, screen: screen,
                                        model: model, makePath: steered.makePath, fps: exhibition.output.fps, origin: job.origin,
                                        startFrame: startFrame, count: frames)
            }
            switch outcome {
            case let .completed(frames):
                progress.finish(done: frames, note: output == "-" ? "wrote \(frames) frames to stdout" : "wrote \(frames) frames to \(output)")
            case let .outputClosed(frames):
                progress.finish(done: frames, note: "the reader closed stdout after \(frames) frames")
            case let .interrupted(frames):
                progress.finish(done: frames, note: "stopped; resume with --start-frame \(startFrame + frames)")
                throw ExitCode(130)
            }
        } catch {
            throw fail(error)
        }
    }
}
