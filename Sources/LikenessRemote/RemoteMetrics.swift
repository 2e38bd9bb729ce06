import Foundation
import LikenessShow

// MARK: - RemoteMetrics

/// `GET /metrics`: the show in Prometheus's text exposition format (version 0.0.4), written by us (one
/// function, checked in the tests by `prometheus_client`'s parser): per screen the frames shown, the new
/// frames per second, the speed ratio, the lag behind the wall clock, the detail level, the render-ahead and
/// each stage's milliseconds; whether the show is open, paused, blacked out; commands by source; HTTP
/// requests by status and OSC packets by outcome; the process's memory, CPU time and threads.
public enum RemoteMetrics {
    public static func exposition(status: ShowStatus?, commands: [String: Int], requests: [String: Int], osc: [String: Int],
                                  process: ProcessFigures?) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(labels) \(format(sample.value))\n"
            }
        }
        let screens = status?.screens ?? []
        func perScreen(_ value: (ShowStatus.Screen) -> Double) -> [(labels: [(String, String)], value: Double)] {
            screens.map { ([("screen", $0.name)], value($0)) }
        }
        family("likeness_frames_shown_total", "counter", "New frames shown on a screen since the show started.", perScreen { Double($0.framesShown) })
        family("likeness_new_frames_per_second", "gauge", "New frames shown per second on a screen (smoothed over about a second).", perScreen(\.framesPerSecond))
        family("likeness_speed_ratio", "gauge", "The show clock's speed on a screen: 1 keeps the exhibition's tempo, lower when painting cannot keep up.", perScreen(\.speed))
        family("likeness_behind_wall_clock_seconds", "gauge", "How far the frame on screen is behind the wall clock's show time.", perScreen(\.behindSeconds))
        family("likeness_detail_level", "gauge", "The detail level on screen: 0 the generator alone, 1 with the refiner, 2 with the painter.", perScreen { Double($0.level) })
        family("likeness_render_ahead_frames", "gauge", "Frames assigned beyond the one on screen (painted or being painted).", perScreen { Double($0.aheadFrames) })
        family("likeness_frame_milliseconds", "gauge", "Milliseconds one producer thread takes to paint a frame (smoothed).", perScreen(\.frameMilliseconds))
        family("likeness_stage_milliseconds", "gauge", "Milliseconds of each step of a frame on its thread (smoothed): generator, detail stages, lanczos, crossfade, rgb8.",
               screens.flatMap { s in s.stageMilliseconds.keys.sorted().map { ([("screen", s.name), ("stage", $0)], s.stageMilliseconds[$0] ?? 0) } })
        family("likeness_open", "gauge", "1 while the schedule has the show open (generating), 0 while closed.", status.map { [([], $0.open ? 1 : 0)] } ?? [])
        family("likeness_paused", "gauge", "1 while paused.", status.map { [([], $0.paused ? 1 : 0)] } ?? [])
        family("likeness_blackout", "gauge", "1 while blacked out.", status.map { [([], $0.blackout ? 1 : 0)] } ?? [])
        family("likeness_uptime_seconds", "gauge", "Seconds since the show started.", status.map { [([], $0.uptime)] } ?? [])
        family("likeness_commands_total", "counter", "Commands posted to the show, by source: keys, http, osc.",
               commands.keys.sorted().map { ([("source", $0)], Double(commands[$0] ?? 0)) })
        family("likeness_http_requests_total", "counter", "Remote-control HTTP requests answered, by status code.",
               requests.keys.sorted().map { ([("code", $0)], Double(requests[$0] ?? 0)) })
        family("likeness_osc_packets_total", "counter", "OSC packets received, by outcome: applied, refused (not allowed), malformed, limited.",
               osc.keys.sorted().map { ([("result", $0)], Double(osc[$0] ?? 0)) })
        if let p = process {
            family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [([], Double(p.residentBytes))])
            family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", [([], Double(p.virtualBytes))])
            family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", [([], p.cpuSeconds)])
            family("process_threads", "gauge", "Threads of the process.", [([], Double(p.threads))])
            family("process_open_fds", "gauge", "Open file descriptors.", [([], Double(p.openFileDescriptors))])
        }
        return out
    }

    /// A label value: backslash, double quote and newline escaped.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// A sample value: integers without a fraction, NaN and infinities as Prometheus spells them.
    static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "+Inf" : "-Inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", x)
    }
}

// MARK: - ProcessFigures

/// The process's own figures from `/proc/self` (Linux), for the metrics.
public struct ProcessFigures: Sendable, Equatable {
    public var residentBytes: Int
    public var virtualBytes: Int
    public var cpuSeconds: Double
    public var threads: Int
    public var openFileDescriptors: Int

    /// Reads `/proc/self/stat` and `/proc/self/fd`; nil where there is no /proc.
    public static func read() -> ProcessFigures? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8) else { return nil }
        return parse(stat: stat, pageSize: Int(sysconf(Int32(_SC_PAGESIZE))), ticksPerSecond: Int(sysconf(Int32(_SC_CLK_TCK))),
                     openFileDescriptors: (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
    }

    /// `/proc/<pid>/stat`: the fields after the command's closing parenthesis (which may hold spaces).
    static func parse(stat: String, pageSize: Int, ticksPerSecond: Int, openFileDescriptors: Int) -> ProcessFigures? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state(0) ppid … utime(11) stime(12) … num_threads(17) … vsize(20) rss(21)
        guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]), let threads = Int(fields[17]),
              let vsize = Int(fields[20]), let rss = Int(fields[21]), ticksPerSecond > 0 else { return nil }
        return ProcessFigures(residentBytes: rss * pageSize, virtualBytes: vsize, cpuSeconds: (utime + stime) / Double(ticksPerSecond),
                              threads: threads, openFileDescriptors: openFileDescriptors)
    }
}
