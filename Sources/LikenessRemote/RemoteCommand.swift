import LikenessShow

// MARK: - RemoteCommand

/// The commands a remote control may send, by name, and what each takes: one table for HTTP
/// (`POST /api/command {"command", "value"}`) and OSC (`/likeness/<name> [value]`), so the two say the same.
///
/// `blackout` and `overlay` take true/false (or 1/0; none: the opposite of now), `speed` a number from 0.01 to
/// 100, `truncation` from 0.05 to 2; the others take nothing.
public enum RemoteCommand {
    /// A value as either protocol carries it.
    public enum Value: Sendable, Equatable {
        case none, bool(Bool), number(Double), other(String)
    }

    public static let names = ["pause", "resume", "next", "blackout", "overlay", "snapshot", "reload", "speed", "truncation"]

    /// The ``ShowCommand`` `name` with `value` asks for (`status`: the state in force, for a toggle), or a one-line reason.
    public static func command(named name: String, value: Value, status: ShowStatus?) -> Result<ShowCommand, RemoteCommandError> {
        func flag(_ current: Bool?) -> Result<Bool, RemoteCommandError> {
            switch value {
            case .none: return .success(!(current ?? false))
            case let .bool(b): return .success(b)
            case let .number(n) where n == 0 || n == 1: return .success(n == 1)
            default: return .failure(RemoteCommandError("\(name) takes true or false (1 or 0; none: toggle)"))
            }
        }
        func number(_ range: ClosedRange<Double>) -> Result<Double, RemoteCommandError> {
            guard case let .number(n) = value, n.isFinite, range.contains(n) else {
                return .failure(RemoteCommandError("\(name) takes a number from \(range.lowerBound) to \(range.upperBound)"))
            }
            return .success(n)
        }
        switch name {
        case "pause": return .success(.pause)
        case "resume": return .success(.resume)
        case "next": return .success(.nextSitter)
        case "snapshot": return .success(.snapshot)
        case "reload": return .success(.reload)
        case "blackout": return flag(status?.blackout).map { .blackout($0) }
        case "overlay": return flag(status?.overlay).map { .overlay($0) }
        case "speed": return number(0.01...100).map { .setSpeed($0) }
        case "truncation": return number(0.05...2).map { .setTruncation($0) }
        default:
            return .failure(RemoteCommandError("unknown command '\(String(name.prefix(40)).filter { !$0.isNewline && $0.isASCII })'; one of \(names.joined(separator: ", "))"))
        }
    }
}

/// Why a remote command was refused, in one line.
public struct RemoteCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
