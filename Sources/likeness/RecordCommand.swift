import ArgumentParser
import Foundation
import LikenessLineage
import LikenessMedia
import LikenessShow

// MARK: - record

/// `likeness record`: an H.264 MP4 through ffmpeg, optionally an exact loop.
struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a video (H.264 MP4 through ffmpeg), optionally an exact loop.",
        discussion: """
        The video has a constant frame rate and exactly seconds × fps frames, however fast the machine renders. \
        With --loop the motion becomes a closed loop whose period is the video's length: the frame after the last \
        would be the first, and none is repeated, so a player set to loop shows no seam. \
        Ctrl-C (SIGINT) or SIGTERM stops early and still finalises a playable file.
        """
    )

    @OptionGroup var options: ExhibitionOptions
    @OptionGroup var format: OutputOptions

    @Flag(help: "Also write OUTPUT.lineage.json beside the video: each sitter shown and the three training works it resembles.")
    var lineage = false

    @Option(help: ArgumentHelp("Length in seconds (default: the exhibition's [record] seconds).", valueName: "seconds"))
    var seconds: Double?

    @Option(name: .shortAndLong, help: ArgumentHelp("The MP4 file to write.", valueName: "file"))
    var output: String = "likeness.mp4"

    @Flag(inversion: .prefixedNo, help: "Record an exact loop (default: the exhibition's [record] loop).")
    var loop: Bool?

    @Option(help: ArgumentHelp("x264 CRF quality: 0 best … 51 worst, 18 visually lossless (default: [output] quality).", valueName: "crf"))
    var quality: Int?

    @Option(help: ArgumentHelp("x264 preset: ultrafast … veryslow; slower makes smaller files (default: [output] preset, superfast).", valueName: "name"))
    var preset: String?

    @Flag(help: "Write a fragmented MP4 that stays playable even if ffmpeg itself is killed.")
    var fragmented = false

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds <= 86_400) { throw ValidationError("--seconds must be more than 0 and at most 86400") }
        if let quality, !(0...51).contains(quality) { throw ValidationError("--quality must be 0 to 51 (x264 CRF)") }
        if let preset, X264Preset(rawValue: preset) == nil {
            throw ValidationError("--preset must be one of \(X264Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        do {
            var exhibition = try options.load()
            try format.apply(to: &exhibition)
            if let quality { exhibition.output.quality = quality }
            if let preset, let chosen = X264Preset(rawValue: preset) { exhibition.output.preset = chosen }
            if fragmented { exhibition.output.fragmented = true }
            let screen = try format.screenIndex(in: exhibition)
            let plan = try RecordingPlan(exhibition: exhibition, seconds: seconds ?? exhibition.record.seconds,
                                         loop: loop ?? exhibition.record.loop)
            let model = try LoadedModel.load(for: plan.exhibition, overridePath: options.model)
            let o = plan.exhibition.output
            let settings = VideoSettings(width: o.width, height: o.height, fps: o.fps, quality: o.quality, preset: o.preset.rawValue,
                                         fragmented: o.fragmented)
            StopSignal.install()
            let sink = try VideoSink(output: URL(fileURLWithPath: output), settings: settings)
            note("recording \(plan.frameCount) frames (\(plan.seconds) s at \(o.fps) fps, \(o.width)x\(o.height)\(plan.loop ? ", exact loop" : "")) to \(output)")
            let progress = ProgressReporter(label: "record", total: plan.frameCount)
            let origin = try options.moment().map { exhibition.show.clock.showTime(at: $0) } ?? 0
            let job = HeadlessJob(screenIndex: screen, fps: o.fps, width: o.width, height: o.height, startFrame: 0, count: plan.frameCount,
                                  origin: origin)
            let steered = try steering(for: exhibition, model: model)
            if lineage, try Lineage.load(forModel: model.url) == nil { throw LineageError.missing(model: model.url.path) }
            let renderer = HeadlessRenderer(exhibition: plan.exhibition, job: job,
                                            makeGenerator: model.makeGenerator, makePath: steered.makePath,
                                            detail: model.detail)
            let outcome = try renderer.run(into: sink) { progress.update(done: $0) }
            if lineage, let frames = outcome.frames, frames > 0 {
                // Beside the video: loop.mp4 → loop.lineage.json.
                let video = URL(fileURLWithPath: output)
                try writeLineageSidecar(to: video.deletingPathExtension().appendingPathExtension("lineage.json"), exhibition: plan.exhibition,
                                        screen: screen, model: model, makePath: steered.makePath, fps: o.fps, origin: origin, startFrame: 0, count: frames)
            }
            switch outcome {
            case let .completed(frames), let .outputClosed(frames):
                progress.finish(done: frames, note: "wrote \(output)")
            case let .interrupted(frames):
                progress.finish(done: frames, note: String(format: "stopped; %@ is finalised and plays (%.2f s)", output, Double(frames) / Double(o.fps)))
                throw ExitCode(130)
            }
        } catch {
            throw fail(error)
        }
    }
}
