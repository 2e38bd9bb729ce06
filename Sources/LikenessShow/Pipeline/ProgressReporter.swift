import Foundation

// MARK: - ProgressReporter

/// Progress of a long render on stderr: a live bar on a terminal, plain lines otherwise (logs, CI, pipes).
///
/// Bar: `[#########...........]  450/1800 frames  24.1 fps  ETA 0:56`. Plain: one line every 10 % or 10 s.
public final class ProgressReporter {
    /// What is being made ("recording", "rendering frames").
    public let label: String
    /// Frames in total, if known.
    public let total: Int?
    /// Whether to draw the live bar (stderr is a terminal) or print plain lines.
    public let interactive: Bool

    private let start = monotonicSeconds()
    private var lastPrint = -1.0
    private var lastPercent = -1
    private let write: (String) -> Void

    public init(label: String, total: Int?, interactive: Bool = isatty(2) != 0,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.total = total
        self.interactive = interactive
        self.write = write
    }

    /// Frames per second so far.
    public func fps(done: Int) -> Double {
        let elapsed = monotonicSeconds() - start
        return elapsed > 0 ? Double(done) / elapsed : 0
    }

    /// Reports that `done` frames are finished.
    public func update(done: Int) {
        let now = monotonicSeconds()
        if interactive {
            guard now - lastPrint >= 0.1 || done == total else { return }
            lastPrint = now
            write("\r" + Self.bar(done: done, total: total, fps: fps(done: done)) + "\u{1B}[K")
        } else {
            let percent = total.map { $0 > 0 ? done * 100 / $0 : 100 } ?? 0
            let dueByPercent = total != nil && percent / 10 > lastPercent / 10
            guard dueByPercent || now - lastPrint >= 10 else { return }
            lastPrint = now
            lastPercent = percent
            write("\(label): " + Self.plain(done: done, total: total, fps: fps(done: done)) + "\n")
        }
    }

    /// Ends the bar's line.
    public func finish(done: Int, note: String = "") {
        let summary = "\(done) frames, " + String(format: "%.1f fps", fps(done: done))
        if interactive {
            write("\r" + Self.bar(done: done, total: total, fps: fps(done: done)) + "\u{1B}[K\n")
        }
        write("\(label): \(note.isEmpty ? "done" : note), \(summary)\n")
    }

    /// The live bar line.
    static func bar(done: Int, total: Int?, fps: Double) -> String {
        let width = 24
        var text = ""
        if let total, total > 0 {
            let filled = min(width, done * width / total)
            text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            text += "\(done)/\(total) frames  " + String(format: "%.1f fps", fps)
            text += "  ETA " + eta(done: done, total: total, fps: fps)
        } else {
            text = "\(done) frames  " + String(format: "%.1f fps", fps)
        }
        return text
    }

    /// The plain progress text.
    static func plain(done: Int, total: Int?, fps: Double) -> String {
        guard let total, total > 0 else { return "\(done) frames, " + String(format: "%.1f fps", fps) }
        return "\(done)/\(total) frames (\(done * 100 / total)%), " + String(format: "%.1f fps", fps) + ", ETA " + eta(done: done, total: total, fps: fps)
    }

    /// `m:ss` (or `h:mm:ss`) left at this speed.
    static func eta(done: Int, total: Int, fps: Double) -> String {
        guard fps > 0 else { return "--:--" }
        let seconds = Int((Double(total - done) / fps).rounded())
        let h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
