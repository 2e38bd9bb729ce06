import LikenessShow

// MARK: - Features

/// What the taste model looks at: the generator's picture pooled to a 4x4 grid of mean colours.
///
/// `[3, H, W]` planes in `[-1, 1]` → 48 numbers, `features[(c · 4 + gy) · 4 + gx]` = the mean of
/// channel `c` over cell `(gx, gy)` (cell edges at `⌊i · W / 4⌋`). Measured against the latent itself
/// and pooled inner layers of the shipped generator (Docs/taste.md): the latent is a
/// poor predictor of what a picture looks like (about 70% cross-validated accuracy on preferences that
/// the pooled picture predicts to 90–95%), and the inner layers are no better than the picture on them.
public enum TasteFeatures {
    /// Cells per side.
    public static let grid = 4
    /// Length of a feature vector.
    public static let count = 3 * grid * grid

    /// The pooled features of one picture.
    public static func pooled(planes: UnsafeBufferPointer<Float>, width: Int, height: Int) -> [Double] {
        precondition(planes.count >= 3 * width * height, "features need [3, \(height), \(width)] planes")
        var features = [Double](repeating: 0, count: count)
        for c in 0..<3 {
            for gy in 0..<grid {
                let y0 = gy * height / grid, y1 = (gy + 1) * height / grid
                for gx in 0..<grid {
                    let x0 = gx * width / grid, x1 = (gx + 1) * width / grid
                    var sum = 0.0
                    for y in y0..<y1 {
                        let row = (c * height + y) * width
                        for x in x0..<x1 { sum += Double(planes[row + x]) }
                    }
                    features[(c * grid + gy) * grid + gx] = sum / Double(max(1, (y1 - y0) * (x1 - x0)))
                }
            }
        }
        return features
    }
}

// MARK: - TasteFeaturizer

/// Paints latents with a generator and pools them into ``TasteFeatures``. Not thread-safe (one generator).
public final class TasteFeaturizer {
    public let generator: any ImageGenerator
    private var latent: [Float]
    private var planes: [Float]

    public init(generator: any ImageGenerator) {
        self.generator = generator
        latent = [Float](repeating: 0, count: generator.zDim)
        planes = [Float](repeating: 0, count: 3 * generator.imageWidth * generator.imageHeight)
    }

    /// The features of the picture of `truncation · z` (`z` standard-normal, `zDim` long).
    public func features<V: Collection>(of z: V, truncation: Double) -> [Double] where V.Element: BinaryFloatingPoint {
        precondition(z.count == generator.zDim, "a latent of \(generator.zDim) components is needed, got \(z.count)")
        for (i, value) in z.enumerated() { latent[i] = Float(Double(value) * truncation) }
        latent.withUnsafeBufferPointer { input in
            planes.withUnsafeMutableBufferPointer { output in generator.render(latents: input, into: output) }
        }
        return planes.withUnsafeBufferPointer {
            TasteFeatures.pooled(planes: $0, width: generator.imageWidth, height: generator.imageHeight)
        }
    }
}
