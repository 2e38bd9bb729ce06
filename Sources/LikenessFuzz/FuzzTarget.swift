// MARK: - FuzzTarget

/// What one input did.
public enum FuzzOutcome: Sendable, Equatable {
    /// Loaded.
    case accepted
    /// Refused by the first check (not TOML, not protobuf): the mutation broke the format.
    case rejectedEarly(message: String)
    /// Refused by a later check (validation, planning): the input got deep into the loader.
    case rejectedLate(message: String)
    /// Refused in a way that breaks a rule for errors (no hint, a message on two lines …): a finding.
    case broken(String)
}

/// A loader under test: runs one input in-process and says what happened.
///
/// `run` must return for every input; a trap inside it kills the process, and ``CrashRecorder`` keeps the
/// input that did it.
public protocol FuzzTarget: Sendable {
    /// `exhibition`, `onnx`: names regression files (`exhibition-….toml`).
    var name: String { get }
    /// Extension of corpus and regression files, without the dot.
    var fileExtension: String { get }
    /// Tokens the mutator inserts whole.
    var dictionary: [[UInt8]] { get }
    /// Inputs never grow past this many bytes.
    var maximumLength: Int { get }
    func run(_ input: [UInt8]) -> FuzzOutcome
}

extension FuzzTarget {
    /// Checks that an error reads as one line with a hint (the conventions' rule for errors).
    func check(message: String, hint: String) -> FuzzOutcome? {
        if message.contains(where: { $0.isNewline }) { return .broken("the error message spans lines: \(message.debugDescription)") }
        if !message.contains(hint) { return .broken("the error message has no hint ('\(hint)'): \(message)") }
        return nil
    }
}
