// MARK: - TasteError

/// What can go wrong with a taste file; every message ends with what to do.
public enum TasteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist (the show needs one written by `likeness curate`).
    case fileNotFound(path: String)
    /// SQLite refused to open, read or write the file.
    case database(path: String, message: String)
    /// A request named a candidate this session never handed out (or one already forgotten).
    case unknownCandidate(String)
    /// The candidate was already rated.
    case alreadyRated(String)
    /// A value outside what is allowed (a size, a rating name).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            "taste file '\(path)' not found; rate some portraits with `likeness curate --taste \(path)` first, or fix [taste] file"
        case let .database(path, message):
            "taste file '\(path)': \(message); check that it is a Likeness taste file and that the folder is writable"
        case let .unknownCandidate(id):
            "unknown candidate '\(id)'; ask GET /api/candidate for a new one"
        case let .alreadyRated(id):
            "candidate '\(id)' is already rated; POST /api/undo first to change it"
        case let .invalidArgument(message):
            message
        }
    }
}
