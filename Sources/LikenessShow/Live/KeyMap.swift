// MARK: - KeyMap

/// The live show's keys, as one table: each key, what it does, and its line in `show --help`.
///
/// The display reports key presses as characters; the loop looks them up here. A key either posts a
/// ``ShowCommand`` (through the same ``ShowCommandQueue`` a remote control uses; toggles read the state in
/// force) or acts on the window itself (quit, fullscreen).
public enum KeyMap {
    /// What a key does.
    public enum Action: Sendable {
        /// Stop the show (ignored in kiosk mode, `[window] kiosk = true`).
        case quit
        /// Toggle fullscreen on the window that has the key.
        case toggleFullscreen
        /// Post the command for the state in force.
        case command(@Sendable (ShowState) -> ShowCommand)
    }

    /// One key.
    public struct Binding: Sendable {
        /// The characters that press it (Esc is "\u{1b}").
        public var keys: [Character]
        /// How `show --help` names the key.
        public var label: String
        /// What it does, for `show --help`.
        public var help: String
        public var action: Action
    }

    /// Every key of the live show.
    public static let bindings: [Binding] = [
        Binding(keys: ["\u{1b}", "q"], label: "Esc or q", help: "quit (disabled in kiosk mode)", action: .quit),
        Binding(keys: ["f"], label: "f", help: "fullscreen on/off", action: .toggleFullscreen),
        Binding(keys: [" "], label: "space", help: "pause", action: .command { $0.paused ? .resume : .pause }),
        Binding(keys: ["n"], label: "n", help: "next sitter", action: .command { _ in .nextSitter }),
        Binding(keys: ["b"], label: "b", help: "blackout on/off", action: .command { .blackout(!$0.blackout) }),
        Binding(keys: ["r"], label: "r", help: "reload the exhibition file (an invalid file is logged, the old one kept)",
                action: .command { _ in .reload }),
        Binding(keys: ["s"], label: "s", help: "save a snapshot PNG", action: .command { _ in .snapshot }),
        Binding(keys: ["i"], label: "i", help: "info overlay (fps, frame time, speed, detail level, render-ahead, model, seed)",
                action: .command { .overlay(!$0.overlayVisible) }),
    ]

    /// What `key` does; nil for a key the show does not use.
    public static func action(for key: Character) -> Action? {
        bindings.first { $0.keys.contains(key) }?.action
    }

    /// "Esc or q quit (…), f fullscreen on/off, …", for `show --help`.
    public static var helpText: String {
        bindings.map { "\($0.label) \($0.help)" }.joined(separator: ", ")
    }
}
