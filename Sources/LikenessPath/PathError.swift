// MARK: - Errors

/// A path description that cannot be played, with a message that ends in a hint.
///
/// Thrown by ``MotionStyle/validate()`` and ``LatentPath/validate(zDim:style:truncation:speed:)``,
/// which an exhibition loader calls before constructing a ``LatentPath`` (whose initializer traps
/// on the same conditions, as programmer errors).
public enum PathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A duration is negative, zero where it must not be, or not finite.
    case invalidDuration(name: String, value: Double, requirement: String)
    /// A loop needs at least two keyframes.
    case invalidKeyframeCount(Int)
    /// The latent dimension must be positive.
    case invalidZDim(Int)
    /// Truncation ψ must be finite and non-negative.
    case invalidTruncation(Float)
    /// Speed must be finite and positive.
    case invalidSpeed(Double)

    public var description: String {
        switch self {
        case let .invalidDuration(name, value, requirement):
            "invalid \(name) \(value): it must be \(requirement); hint: fix `\(name)` in the exhibition file"
        case let .invalidKeyframeCount(count):
            "invalid loop keyframe count \(count): a loop needs 2...1048576 keyframes; hint: set `keyframes` to 3 or more for a visible loop"
        case let .invalidZDim(zDim):
            "invalid latent dimension \(zDim): it must be at least 1; hint: take zDim from the loaded model (Generator.zDim)"
        case let .invalidTruncation(psi):
            "invalid truncation \(psi): it must be a finite number >= 0; hint: use 0.5...1.0 (1 = no truncation, smaller = safer, blander faces)"
        case let .invalidSpeed(speed):
            "invalid speed \(speed): it must be a finite number > 0; hint: 1 = as written, 0.5 = half as fast"
        }
    }
}
