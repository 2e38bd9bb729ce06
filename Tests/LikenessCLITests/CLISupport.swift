import Foundation
import LikenessMedia

// MARK: - Running the built binary

/// The package root, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The fixture model every CLI test uses (a small random-weight generator with a model card).
let fixtureModel = packageRoot.appendingPathComponent("Tests/Fixtures/models/tiny-generator.onnx").path

/// The `likeness` executable built next to the test bundle.
let likenessBinary: URL = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent("likeness")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder = folder.deletingLastPathComponent()
    }
    return packageRoot.appendingPathComponent(".build/debug/likeness")
}()

/// What a finished command left.
struct CommandResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Starts a command (not waiting), stdout and stderr to temporary files.
final class RunningCommand: @unchecked Sendable {
    let process = Process()
    let outURL: URL, errURL: URL

    init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL = packageRoot) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-cli-\(UUID().uuidString)")
        outURL = base.appendingPathExtension("out")
        errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = currentDirectory
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    func wait() -> CommandResult {
        process.waitUntilExit()
        let out = (try? Data(contentsOf: outURL)) ?? Data()
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return CommandResult(status: process.terminationStatus, stdout: out, stderr: err)
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }
}

/// Runs `likeness` with arguments and waits.
@discardableResult
func likeness(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
    try RunningCommand(likenessBinary, arguments, environment: environment).wait()
}

/// Runs any tool found on PATH and waits.
@discardableResult
func tool(_ name: String, _ arguments: [String]) throws -> CommandResult {
    try RunningCommand(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments).wait()
}

/// A fresh temporary folder.
func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-cli-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// ffprobe facts about a video's first stream: nb_read_frames, duration, codec_name, pix_fmt, width, height, r_frame_rate.
func probe(_ url: URL) throws -> [String: String] {
    let result = try tool("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                      "-show_entries", "stream=nb_read_frames,codec_name,pix_fmt,width,height,r_frame_rate:format=duration",
                                      "-of", "default=noprint_wrappers=1", url.path])
    guard result.status == 0 else { return [:] }
    var facts: [String: String] = [:]
    for line in result.stdoutText.split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { facts[parts[0]] = parts[1] }
    }
    return facts
}

/// Decodes a video to RGB frames with ffmpeg.
func decodeFrames(_ url: URL, width: Int, height: Int) throws -> [Frame] {
    let result = try tool("ffmpeg", ["-v", "error", "-i", url.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    let size = width * height * 3
    let bytes = [UInt8](result.stdout)
    return stride(from: 0, to: bytes.count - size + 1, by: size).map {
        Frame(width: width, height: height, pixels: Array(bytes[$0..<($0 + size)]))
    }
}

let ffmpegAvailable = (try? VideoSink.locateFFmpeg()) != nil
let hasX11Display = ProcessInfo.processInfo.environment["DISPLAY"] != nil
let fixtureExists = FileManager.default.fileExists(atPath: fixtureModel)
