import ArgumentParser
import Foundation
import LikenessShow

// MARK: - service

/// `likeness service`: run the show under systemd (a user unit).
struct Service: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an exhibition as a systemd user service that starts at boot and is restarted when it hangs.",
        subcommands: [Install.self]
    )

    /// `likeness service install`: writes the unit and says how to enable it.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a systemd user unit (Type=notify, watchdog, Restart=always) for an exhibition.",
            discussion: """
            Writes ~/.config/systemd/user/NAME.service for `likeness show EXHIBITION` and prints the two \
            commands that enable and start it. The show tells systemd when its first frame is up \
            (READY=1) and keeps pinging the watchdog only while new frames arrive, so a hung generator or \
            a frozen window is restarted within --watchdog seconds. An existing unit is kept unless --force.
            """
        )

        @Argument(help: ArgumentHelp("The exhibition file (TOML).", valueName: "exhibition"))
        var exhibition: String = "Exhibition/default.toml"

        @Option(help: ArgumentHelp("The unit's name (NAME.service).", valueName: "name"))
        var name: String = "likeness"

        @Option(help: ArgumentHelp("Where to write the unit (default: ~/.config/systemd/user).", valueName: "dir"))
        var directory: String?

        @Option(help: ArgumentHelp("WatchdogSec: seconds without a ping before systemd restarts the show.", valueName: "seconds"))
        var watchdog: Int = 30

        @Option(help: ArgumentHelp("The X display the show opens (default: $DISPLAY, else :0).", valueName: "display"))
        var display: String?

        @Flag(help: "Print the unit instead of writing it.")
        var print = false

        @Flag(help: "Replace an existing unit file.")
        var force = false

        func validate() throws {
            guard (5...3600).contains(watchdog) else { throw ValidationError("--watchdog must be 5 to 3600 seconds") }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ValidationError("--name may hold letters, digits, '-', '_' and '.' only")
            }
        }

        func run() throws {
            do {
                let exhibitionURL = URL(fileURLWithPath: exhibition).standardizedFileURL
                let loaded = try Exhibition.load(contentsOf: exhibitionURL)   // refuse a broken file now, not at boot
                let environment = ProcessInfo.processInfo.environment
                let unit = Self.unit(title: loaded.title, binary: Self.executablePath(), exhibition: exhibitionURL.path,
                                     workingDirectory: FileManager.default.currentDirectoryPath,
                                     display: display ?? environment["DISPLAY"] ?? ":0", watchdog: watchdog)
                if print {
                    Swift.print(unit, terminator: "")
                    return
                }
                let folder = directory.map { URL(fileURLWithPath: $0) }
                    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config/systemd/user")
                let file = folder.appendingPathComponent("\(name).service")
                if FileManager.default.fileExists(atPath: file.path), !force {
                    let existing = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
                    if existing != unit {
                        throw CommandError("\(file.path) exists and differs; keep it, or replace it with --force (see the new one with --print)")
                    }
                }
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    try Data(unit.utf8).write(to: file, options: .atomic)
                } catch {
                    throw CommandError("cannot write \(file.path): \(error.localizedDescription); check the folder is writable (or pass --directory)")
                }
                Swift.print("""
                wrote \(file.path)
                enable and start it (and again after editing it):
                  systemctl --user daemon-reload
                  systemctl --user enable --now \(name).service
                to start it at boot without anyone logging in: loginctl enable-linger $USER
                its log: journalctl --user -u \(name) -f      its state: systemctl --user status \(name)
                """)
            } catch {
                throw fail(error)
            }
        }

        /// The unit file's text.
        static func unit(title: String, binary: String, exhibition: String, workingDirectory: String, display: String, watchdog: Int) -> String {
            """
            # Written by `likeness service install`; see Docs/installation.md.
            [Unit]
            Description=Likeness exhibition: \(title)
            After=graphical-session.target
            StartLimitIntervalSec=0

            [Service]
            Type=notify
            NotifyAccess=main
            ExecStart=\(quoted(binary)) show \(quoted(exhibition))
            WorkingDirectory=\(quoted(workingDirectory))
            Environment=DISPLAY=\(display)
            WatchdogSec=\(watchdog)
            TimeoutStartSec=120
            Restart=always
            RestartSec=5

            [Install]
            WantedBy=default.target

            """
        }

        /// A path as systemd reads it: quoted when it has spaces, with `%` escaped.
        static func quoted(_ path: String) -> String {
            let escaped = path.replacingOccurrences(of: "%", with: "%%")
            return escaped.contains(" ") ? "\"\(escaped.replacingOccurrences(of: "\"", with: "\\\""))\"" : escaped
        }

        /// This executable's absolute path.
        static func executablePath() -> String {
            let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return URL(fileURLWithPath: resolved).standardizedFileURL.path
        }
    }
}
