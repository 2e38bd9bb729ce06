// MARK: - MediaError

/// Everything that can go wrong while writing or reading pictures and video.
///
/// Each message names what failed and ends with a hint.
public enum MediaError: Error, CustomStringConvertible, Equatable {
    /// libpng could not write a PNG file.
    case pngWriteFailed(path: String, reason: String)
    /// libpng could not read a PNG file.
    case pngReadFailed(path: String, reason: String)
    /// A file or directory could not be created or written.
    case fileSystem(path: String, reason: String)
    /// The `ffmpeg` executable is not on the PATH (or at the given path).
    case ffmpegNotFound(searched: String)
    /// `ffmpeg` could not be started.
    case ffmpegLaunchFailed(reason: String)
    /// `ffmpeg` stopped on its own or failed to finish the file.
    case ffmpegFailed(status: Int32, stderrTail: String, output: String)
    /// The reader of a pipe (stdout or ffmpeg's stdin) went away.
    case brokenPipe(what: String)
    /// A write failed with an errno.
    case writeFailed(what: String, errno: Int32, reason: String)

    public var description: String {
        switch self {
        case let .pngWriteFailed(path, reason):
            return "could not write PNG '\(path)': \(reason); check that the folder exists, is writable and the disk is not full"
        case let .pngReadFailed(path, reason):
            return "could not read PNG '\(path)': \(reason); check that the file is a complete 8-bit PNG"
        case let .fileSystem(path, reason):
            return "could not write '\(path)': \(reason); check the path, its permissions and free disk space"
        case let .ffmpegNotFound(searched):
            return "ffmpeg was not found (looked in \(searched)); install it with `apt-get install ffmpeg` or set LIKENESS_FFMPEG to its path"
        case let .ffmpegLaunchFailed(reason):
            return "could not start ffmpeg: \(reason); check that the ffmpeg executable runs (`ffmpeg -version`)"
        case let .ffmpegFailed(status, tail, output):
            let diskHint = tail.lowercased().contains("no space left")
                ? "the disk is full; free space or record to another disk"
                : "see ffmpeg's message above; check free disk space and that '\(output)' is writable"
            let message = tail.isEmpty ? "" : ": \(tail)"
            return "ffmpeg failed (exit status \(status)) while writing '\(output)'\(message); hint: \(diskHint)"
        case let .brokenPipe(what):
            return "\(what) was closed by the reader; nothing more can be written (the receiving program stopped)"
        case let .writeFailed(what, errno, reason):
            let hint = errno == 28 ? "the disk is full; free some space" : "check the output and free disk space"
            return "writing \(what) failed: \(reason) (errno \(errno)); hint: \(hint)"
        }
    }
}
