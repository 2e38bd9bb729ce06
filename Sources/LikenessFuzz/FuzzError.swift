// MARK: - FuzzError

/// What a fuzz run can report instead of a clean pass.
public enum FuzzError: Error, CustomStringConvertible, Sendable {
    /// The seed corpus or a regression folder could not be read.
    case corpusUnreadable(path: String, reason: String)
    /// A regression file could not be written.
    case cannotSave(path: String, reason: String)

    public var description: String {
        switch self {
        case let .corpusUnreadable(path, reason):
            return "cannot read the fuzz corpus at \(path) (\(reason)); hint: run from the Likeness folder, the seeds are in Tests/Fixtures/fuzz/"
        case let .cannotSave(path, reason):
            return "cannot save the regression case \(path) (\(reason)); hint: check that Tests/Fixtures/fuzz/regressions is writable"
        }
    }
}
