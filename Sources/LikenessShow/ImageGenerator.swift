// MARK: - ImageGenerator

/// What a show needs from a generator: latents in, RGB8 pictures out.
///
/// `LikenessEngine.Generator` conforms (see `Generator+ImageGenerator.swift`); tests use small fakes.
/// Not thread-safe: each generating thread makes its own through a `GeneratorFactory`.
public protocol ImageGenerator: AnyObject {
    /// Length of one latent vector.
    var zDim: Int { get }
    /// Size of the pictures it paints.
    var imageWidth: Int { get }
    var imageHeight: Int { get }
    /// Paints one picture: `latents` holds `zDim` floats, `output` receives `imageHeight * imageWidth * 3` bytes RGB8.
    func renderRGB(latents: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>)
}

/// Makes a fresh generator; called once on each generating thread.
public typealias GeneratorFactory = @Sendable (_ threads: Int) throws -> any ImageGenerator

// MARK: - LatentSource

/// What a show needs from a path through latent space: the latent at a show time.
///
/// `LikenessPath.LatentPath` conforms (see `LatentPath+LatentSource.swift`).
public protocol LatentSource: Sendable {
    /// Writes the latent for show time `t` (seconds) into `out` (`zDim` floats) without allocating.
    func latent(at t: Double, into out: UnsafeMutableBufferPointer<Float>)
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

    public init(name: String, credit: String, imageWidth: Int, imageHeight: Int, zDim: Int) {
        self.name = name
        self.credit = credit
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.zDim = zDim
    }
}
