import Foundation
import Testing
@testable import LikenessMedia

/// Runs a command and returns (status, stdout).
func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `ffprobe` facts about a video: frame count, duration, codec, pixel format, size.
func probe(_ url: URL) throws -> [String: String] {
    let (status, text) = try run("/usr/bin/env", ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                                                  "-show_entries", "stream=nb_read_frames,codec_name,pix_fmt,width,height,r_frame_rate:format=duration",
                                                  "-of", "default=noprint_wrappers=1", url.path])
    guard status == 0 else { return [:] }
    var facts: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { facts[parts[0]] = parts[1] }
    }
    return facts
}

let ffmpegAvailable = (try? VideoSink.locateFFmpeg()) != nil

@Suite struct VideoSinkTests {
    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg (apt-get install ffmpeg)"))
    func writesConstantRateH264WithTheRightFrameCount() throws {
        let url = temporaryFolder().appendingPathComponent("v.mp4")
        let sink = try VideoSink(output: url, settings: VideoSettings(width: 64, height: 48, fps: 24, quality: 23, preset: "ultrafast"))
        for i in 0..<36 { try sink.write(noiseFrame(width: 64, height: 48, seed: UInt64(i))) }
        try sink.finish()
        let facts = try probe(url)
        #expect(facts["nb_read_frames"] == "36")
        #expect(facts["codec_name"] == "h264")
        #expect(facts["pix_fmt"] == "yuv420p")
        #expect(facts["r_frame_rate"] == "24/1")
        #expect(abs((Double(facts["duration"] ?? "") ?? 0) - 1.5) < 0.01)
        // +faststart: the index (moov) comes before the media data (mdat).
        let head = try Data(contentsOf: url).prefix(4096)
        let moov = head.range(of: Data("moov".utf8)), mdat = head.range(of: Data("mdat".utf8))
        #expect(moov != nil && (mdat == nil || moov!.lowerBound < mdat!.lowerBound))
    }

    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg (apt-get install ffmpeg)"))
    func fragmentedFileIsPlayable() throws {
        let url = temporaryFolder().appendingPathComponent("f.mp4")
        let sink = try VideoSink(output: url, settings: VideoSettings(width: 32, height: 32, fps: 10, preset: "ultrafast", fragmented: true))
        for i in 0..<20 { try sink.write(noiseFrame(width: 32, height: 32, seed: UInt64(i))) }
        try sink.finish()
        #expect(try probe(url)["nb_read_frames"] == "20")
    }

    @Test func recordingsUseSuperfastUnlessToldOtherwise() {
        let arguments = VideoSink.arguments(settings: VideoSettings(width: 64, height: 64, fps: 30), output: "v.mp4")
        let preset = arguments.firstIndex(of: "-preset").map { arguments[$0 + 1] }
        #expect(preset == "superfast")
        #expect(!arguments.contains("-tune"))
        let slow = VideoSink.arguments(settings: VideoSettings(width: 64, height: 64, fps: 30, preset: "veryslow"), output: "v.mp4")
        #expect(slow.firstIndex(of: "-preset").map { slow[$0 + 1] } == "veryslow")
    }

    @Test func missingFFmpegIsAClearError() {
        #expect(throws: MediaError.self) {
            _ = try VideoSink.locateFFmpeg(environment: ["PATH": "/nonexistent"])
        }
        do {
            _ = try VideoSink.locateFFmpeg(environment: ["PATH": "/nonexistent"])
        } catch {
            #expect(error.description.contains("apt-get install ffmpeg"))
        }
    }

    @Test(.enabled(if: ffmpegAvailable && FileManager.default.fileExists(atPath: "/dev/full"), "needs ffmpeg and /dev/full"))
    func fullDiskIsAClearError() throws {
        // /dev/full fails every write with ENOSPC, like a full disk.
        let sink = try VideoSink(output: URL(fileURLWithPath: "/dev/full"),
                                 settings: VideoSettings(width: 64, height: 64, fps: 25, preset: "ultrafast", fragmented: true))
        var failure: MediaError?
        do {
            for i in 0..<400 { try sink.write(noiseFrame(width: 64, height: 64, seed: UInt64(i))) }
            try sink.finish()
        } catch {
            failure = error
        }
        guard let failure else {
            Issue.record("writing to /dev/full succeeded")
            return
        }
        guard case let .ffmpegFailed(status, _, _) = failure else {
            Issue.record("unexpected error \(failure)")
            return
        }
        #expect(status != 0)
        #expect(failure.description.contains("disk"), "\(failure)")
    }
}
