import Foundation

// MARK: - VideoSettings

/// How `VideoSink` asks ffmpeg to encode.
public struct VideoSettings: Sendable, Equatable {
    /// Frame size in pixels (even numbers for yuv420p; odd sizes are rejected by validation upstream).
    public var width: Int, height: Int
    /// Constant frame rate, frames per second.
    public var fps: Int
    /// x264 constant rate factor: 0 lossless … 51 worst; 18 is visually transparent.
    public var quality: Int
    /// x264 speed/size preset (`ultrafast` … `veryslow`).
    ///
    /// `superfast` by default. Measured at 1080x1080, CRF 18, 2 cores shared with the renderer running the whole
    /// detail chain (`record Exhibition/loop-video.toml`, 6 s, side by side): `superfast` 30.7–30.9 fps (real
    /// time), `veryfast` 25.7–27.0 fps with files 0.72 times as large. On the generator's smooth 128 px picture
    /// alone `veryfast` made files a seventh of `superfast`'s (mb-tree); on the chain's painted texture the gap is
    /// 1.4x. `-tune film` changed nothing measurable, `-tune grain` made files 50% larger; x264's own thread count
    /// is kept (`-threads 2` was the same).
    public var preset: String
    /// Fragmented MP4: every keyframe closes a fragment, so even a hard kill of ffmpeg itself leaves a playable
    /// file. Off by default: a plain MP4 with the index in front (`+faststart`) plays everywhere.
    public var fragmented: Bool

    public init(width: Int, height: Int, fps: Int, quality: Int = 18, preset: String = "superfast", fragmented: Bool = false) {
        self.width = width
        self.height = height
        self.fps = fps
        self.quality = quality
        self.preset = preset
        self.fragmented = fragmented
    }
}

// MARK: - VideoSink

/// Encodes frames to an H.264 / yuv420p MP4 through a spawned `ffmpeg` reading raw rgb24 on its stdin.
///
/// Robustness, in order of how the recording can end:
/// - `finish()` closes ffmpeg's stdin and waits: the MP4 is finalised (index moved to the front with `+faststart`).
///   Call it from SIGINT/SIGTERM handling too.
/// - If this process dies hard (SIGKILL, crash), the pipe closes, ffmpeg sees end-of-input and still finalises:
///   ffmpeg runs in its own process group, so a Ctrl-C on the terminal does not reach it directly.
/// - If ffmpeg itself is killed, only a fragmented MP4 (`VideoSettings.fragmented`) stays playable.
///
/// Errors: a missing ffmpeg is reported before anything starts; if ffmpeg stops (disk full, bad path), the next
/// write or `finish()` throws with ffmpeg's exit status and the last lines it printed.
public final class VideoSink: FrameSink {
    /// The file being written.
    public let output: URL
    /// The encoder settings.
    public let settings: VideoSettings
    /// Frames accepted so far.
    public private(set) var framesWritten = 0

    private let pid: pid_t
    private var stdinDescriptor: Int32
    private let stderrLog: URL
    private var finished = false

    /// The ffmpeg command line for `settings` writing to `output` (without the executable).
    public static func arguments(settings s: VideoSettings, output: String) -> [String] {
        let movflags = s.fragmented ? "+frag_keyframe+empty_moov+default_base_moof" : "+faststart"
        return [
            "-hide_banner", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(s.width)x\(s.height)", "-framerate", "\(s.fps)",
            "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", s.preset, "-crf", "\(s.quality)", "-pix_fmt", "yuv420p",
            "-g", "\(max(1, s.fps * 2))", "-r", "\(s.fps)", "-fps_mode", "cfr",
            "-movflags", movflags, "-f", "mp4", output,
        ]
    }

    /// Finds ffmpeg: `$LIKENESS_FFMPEG` if set, else the first `ffmpeg` on `$PATH`.
    public static func locateFFmpeg(environment: [String: String] = ProcessInfo.processInfo.environment) throws(MediaError) -> String {
        if let explicit = environment["LIKENESS_FFMPEG"], !explicit.isEmpty {
            guard access(explicit, X_OK) == 0 else { throw .ffmpegNotFound(searched: "LIKENESS_FFMPEG=\(explicit)") }
            return explicit
        }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = String(directory) + "/ffmpeg"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw .ffmpegNotFound(searched: "PATH=\(path)")
    }

    /// Starts ffmpeg writing `output`.
    public init(output: URL, settings: VideoSettings, ffmpeg: String? = nil) throws(MediaError) {
        self.output = output
        self.settings = settings
        let executable: String
        if let ffmpeg { executable = ffmpeg } else { executable = try Self.locateFFmpeg() }
        ignoreBrokenPipeSignal()

        // Make sure the output folder exists and is writable before ffmpeg is asked to.
        let folder = output.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: folder.path, reason: PNGCodec.reason(of: error))
        }

        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw .ffmpegLaunchFailed(reason: "pipe: " + String(cString: strerror(errno)))
        }
        let readEnd = fds[0], writeEnd = fds[1]
        // The write end must not leak into ffmpeg, or ffmpeg would never see end-of-input.
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)

        stderrLog = FileManager.default.temporaryDirectory
            .appendingPathComponent("likeness-ffmpeg-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrLog.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (a terminal's Ctrl-C reaches only us; we finalise ffmpeg ourselves),
        // default signal actions and an empty mask in the child.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = [executable] + Self.arguments(settings: settings, output: output.path)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for arg in cArgs { free(arg) } }

        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, cArgs, environ)
        close(readEnd)
        guard status == 0 else {
            close(writeEnd)
            throw .ffmpegLaunchFailed(reason: "\(executable): " + String(cString: strerror(status)))
        }
        pid = child
        stdinDescriptor = writeEnd
    }

    deinit {
        if !finished { try? finish() }
    }

    public func write(_ frame: Frame) throws(MediaError) {
        precondition(!finished, "write after finish")
        precondition(frame.width == settings.width && frame.height == settings.height,
                     "frame is \(frame.width)x\(frame.height), video is \(settings.width)x\(settings.height)")
        do {
            try writeAll(frame.pixels, to: stdinDescriptor, what: "ffmpeg's input")
        } catch {
            // ffmpeg went away: report why, from its exit status and stderr.
            let status = closeAndWait()
            throw .ffmpegFailed(status: status, stderrTail: stderrTail(), output: output.path)
        }
        framesWritten += 1
    }

    /// Closes ffmpeg's input and waits for it to finalise the file.
    public func finish() throws(MediaError) {
        guard !finished else { return }
        let status = closeAndWait()
        let tail = stderrTail()
        try? FileManager.default.removeItem(at: stderrLog)
        if status != 0 {
            throw .ffmpegFailed(status: status, stderrTail: tail, output: output.path)
        }
    }

    /// Closes the pipe (once) and reaps ffmpeg; returns its exit status (128 + signal if killed).
    private func closeAndWait() -> Int32 {
        if finished { return 0 }
        finished = true
        close(stdinDescriptor)
        stdinDescriptor = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand (macros are not imported).
        let termSignal = status & 0x7F
        if termSignal == 0 { return (status >> 8) & 0xFF }
        return 128 + termSignal
    }

    /// The last few lines ffmpeg printed, joined with " | ".
    private func stderrTail() -> String {
        guard let data = try? Data(contentsOf: stderrLog) else { return "" }
        let text = String(decoding: data.suffix(2000), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.suffix(3).joined(separator: " | ")
    }
}
