// MARK: - ImageGenerator

/// What a show needs from a generator: a latent in, a planar float picture `[3, H, W]` in `[-1, 1]` out.
///
/// `LikenessEngine.Generator` conforms (see `LoadedModel.swift`); tests use small fakes. The pipeline
/// wraps it as its first `FrameStage` (`GeneratorStage`).
/// Not thread-safe: each generating thread makes its own through a `GeneratorFactory`.
public protocol ImageGenerator: AnyObject {
    /// Length of one latent vector.
    var zDim: Int { get }
    /// Size of the pictures it paints.
    var imageWidth: Int { get }
    var imageHeight: Int { get }
    /// Paints one picture: `latents` holds `zDim` floats, `planes` receives `3 * imageHeight * imageWidth` floats,
    /// planar `[3, H, W]`, in `[-1, 1]`. Allocates nothing.
    func render(latents: UnsafeBufferPointer<Float>, into planes: UnsafeMutableBufferPointer<Float>)
}

/// Makes a fresh generator; called once on each generating thread.
public typealias GeneratorFactory = @Sendable (_ threads: Int) throws -> any ImageGenerator

// MARK: - LatentSource

/// What a show needs from a path through latent space: the latent at a show time.
///
/// `LikenessPath.LatentPath` conforms (see `LoadedModel.swift`).
public protocol LatentSource: Sendable {
    /// Writes the latent for show time `t` (seconds) into `out` (`zDim` floats) without allocating.
    func latent(at t: Double, into out: UnsafeMutableBufferPointer<Float>)
    /// The show time of the first keyframe (a sitter fully present, or a face the drift passes through)
    /// strictly after `t`; nil for a source without keyframes. `next sitter` fast-forwards to it.
    func nextKeyframeTime(after t: Double) -> Double?
    /// The keyframe (sitter) on show at `t`, counted from 0; nil for a source without keyframes.
    func sitter(at t: Double) -> Int?
}

extension LatentSource {
    public func sitter(at t: Double) -> Int? { nil }
}

/// Makes the path of one screen from its seed, the motion settings and the model's `zDim`.
public typealias PathFactory = @Sendable (_ screen: Screen, _ motion: MotionSettings, _ zDim: Int) -> any LatentSource

// MARK: - ModelInfo

/// What the show tells people about the model: name, credit, sizes.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var credit: String
    public var imageWidth: Int
    public var imageHeight: Int
    public var zDim: Int
    /// What steers the keyframes, for the overlay (e.g. "taste taste.sqlite: 150 ratings, strength 0.8"); nil = none.
    public var taste: String?

    public init(name: String, credit: String, imageWidth: Int, imageHeight: Int, zDim: Int, taste: String? = nil) {
        self.name = name
        self.credit = credit
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.zDim = zDim
        self.taste = taste
    }
}
