import LikenessEngine

// MARK: - ShowError

/// Everything that can go wrong loading an exhibition or running a show.
///
/// Exhibition problems carry the file, the line (when known), the key and what is allowed, and end with a hint.
public enum ShowError: Error, CustomStringConvertible, Equatable {
    /// The exhibition file could not be read.
    case fileUnreadable(file: String, reason: String)
    /// The file is not valid TOML.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// A key the schema does not know.
    case unknownKey(file: String, line: Int?, key: String, allowed: [String], suggestion: String?)
    /// A value of the wrong TOML type.
    case wrongType(file: String, line: Int?, key: String, expected: String, found: String)
    /// A value outside what is allowed.
    case invalidValue(file: String, line: Int?, key: String, value: String, allowed: String)
    /// A key that only makes sense with another setting.
    case keyNotApplicable(file: String, line: Int?, key: String, reason: String)
    /// The model file named by the exhibition does not exist.
    case modelNotFound(path: String, searched: [String])
    /// The model could not be loaded by the engine.
    case modelFailed(path: String, reason: String)
    /// Settings that cannot work together for a command (e.g. a loop that is not a whole number of frames).
    case invalidRequest(message: String, hint: String)

    public var description: String { Self.singleLine(text) }

    private var text: String {
        switch self {
        case let .fileUnreadable(file, reason):
            return "\(file): cannot read the exhibition file (\(reason)); check the path (the default is Exhibition/default.toml, run from the Likeness folder)"
        case let .syntax(file, line, column, message):
            return "\(file):\(line):\(column): not valid TOML: \(message); hint: check quotes, brackets and `key = value` pairs on that line"
        case let .unknownKey(file, line, key, allowed, suggestion):
            let maybe = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "\(Self.place(file, line)): unknown key '\(key)'; \(maybe)allowed here: \(allowed.joined(separator: ", ")); hint: every key is listed in Docs/exhibition.md"
        case let .wrongType(file, line, key, expected, found):
            return "\(Self.place(file, line)): key '\(key)' must be \(expected), found \(found); hint: strings need quotes, numbers and true/false do not"
        case let .invalidValue(file, line, key, value, allowed):
            return "\(Self.place(file, line)): key '\(key)' has value \(value); allowed: \(allowed); hint: fix the value or delete the key to use the default"
        case let .keyNotApplicable(file, line, key, reason):
            return "\(Self.place(file, line)): key '\(key)' \(reason); hint: delete it or change the style"
        case let .modelNotFound(path, searched):
            return "model '\(path)' not found (looked in \(searched.joined(separator: ", "))); hint: train or copy the model there (see Docs/training.md), or set [model] path / --model"
        case let .modelFailed(path, reason):
            return "model '\(path)' could not be loaded: \(reason)"
        case let .invalidRequest(message, hint):
            return "\(message); hint: \(hint)"
        }
    }

    /// `file:line` or just `file`.
    static func place(_ file: String, _ line: Int?) -> String {
        line.map { "\(file):\($0)" } ?? file
    }

    /// `text` on one line: values quoted from the file (`style = "a\nb"`) may hold line breaks or other
    /// control characters, written as escapes (`\n`, `\u{7}`) so an error stays one line.
    static func singleLine(_ text: String) -> String { EngineError.singleLine(text) }
}
