// MARK: - PlanarImage

/// A float image in planes: `channels` planes of `height` rows of `width` samples, no padding.
///
/// Layout `[C, H, W]`: `storage[(c * height + y) * width + x]`. A model's image is `[3, H, W]` in `[-1, 1]`
/// (the model contract); a latent is `[zDim, 1, 1]`. A value type: copies share storage until one is written.
public struct PlanarImage: Sendable, Equatable {
    public let channels: Int
    public let width: Int
    public let height: Int
    /// The samples, `channels * height * width` floats.
    public var storage: [Float]

    /// Samples in one plane.
    public var planeCount: Int { width * height }

    /// An image filled with `value`.
    public init(channels: Int, width: Int, height: Int, value: Float = 0) {
        precondition(channels > 0 && width > 0 && height > 0, "image shape must be positive, got [\(channels), \(height), \(width)]")
        self.channels = channels
        self.width = width
        self.height = height
        storage = [Float](repeating: value, count: channels * width * height)
    }

    /// Wraps existing samples.
    public init(channels: Int, width: Int, height: Int, storage: [Float]) {
        precondition(channels > 0 && width > 0 && height > 0, "image shape must be positive, got [\(channels), \(height), \(width)]")
        precondition(storage.count == channels * width * height, "[\(channels), \(height), \(width)] needs \(channels * width * height) floats, got \(storage.count)")
        self.channels = channels
        self.width = width
        self.height = height
        self.storage = storage
    }

    /// The shape, `[C, H, W]` as a value.
    public var shape: PlaneShape { PlaneShape(channels: channels, width: width, height: height) }

    /// Runs `body` on the samples.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Runs `body` on the samples, writable.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }
}

// MARK: - PlaneShape

/// The shape of a `PlanarImage`: channels, width, height.
public struct PlaneShape: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var channels: Int
    public var width: Int
    public var height: Int

    public init(channels: Int, width: Int, height: Int) {
        self.channels = channels
        self.width = width
        self.height = height
    }

    /// Floats an image of this shape holds.
    public var count: Int { channels * width * height }

    /// `[C, H, W]`.
    public var description: String { "[\(channels), \(height), \(width)]" }
}
