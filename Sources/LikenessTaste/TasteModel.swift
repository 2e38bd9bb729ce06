import Foundation

// MARK: - Examples

/// One rating as the taste model sees it: features, liked or not, and how much it counts.
public struct TasteExample: Sendable, Equatable {
    public var features: [Double]
    public var liked: Bool
    /// Favourites count twice.
    public var weight: Double
    public init(features: [Double], liked: Bool, weight: Double = 1) {
        self.features = features
        self.liked = liked
        self.weight = weight
    }
}

// MARK: - TasteModel

/// L2-regularised logistic regression: the probability that the artist likes a picture, from its features.
///
/// Features are standardised with the mean and standard deviation of the examples; then
/// `p = σ(w · x̂ + b)`, fitted by Newton's method (iteratively reweighted least squares) on
/// `Σᵢ aᵢ log-loss(yᵢ, pᵢ) + ½ λ ‖w‖²` (the bias is not penalised). With 48 features a fit is a
/// few 49x49 Cholesky solves: well under a millisecond for hundreds of ratings. Deterministic: the
/// same examples in the same order give the same bits.
public struct TasteModel: Sendable, Equatable {
    public let mean: [Double]
    public let scale: [Double]
    public let weights: [Double]
    public let bias: Double

    /// λ, chosen by cross-validation on synthetic preferences (Docs/taste.md): 1/10 of a penalty per feature.
    public static let defaultRegularisation = 0.1
    /// Fewest liked and fewest not-liked examples a fit needs.
    public static let minimumPerClass = 2

    /// The probability that a picture with `features` is liked.
    public func probability(_ features: [Double]) -> Double {
        precondition(features.count == weights.count, "the model has \(weights.count) features, got \(features.count)")
        var s = bias
        for i in weights.indices { s += weights[i] * (features[i] - mean[i]) / scale[i] }
        return 1 / (1 + exp(-s))
    }

    /// Fits the model; nil with fewer than ``minimumPerClass`` examples of either class.
    public static func fit(_ examples: [TasteExample], regularisation: Double = defaultRegularisation) -> TasteModel? {
        guard let d = examples.first?.features.count,
              examples.filter(\.liked).count >= minimumPerClass, examples.filter({ !$0.liked }).count >= minimumPerClass
        else { return nil }
        precondition(examples.allSatisfy { $0.features.count == d }, "every example needs \(d) features")
        let n = Double(examples.count)
        var mean = [Double](repeating: 0, count: d), scale = [Double](repeating: 0, count: d)
        for e in examples { for i in 0..<d { mean[i] += e.features[i] / n } }
        for e in examples { for i in 0..<d { scale[i] += (e.features[i] - mean[i]) * (e.features[i] - mean[i]) / n } }
        for i in 0..<d { scale[i] = scale[i].squareRoot() + 1e-6 }
        let x = examples.map { e in (0..<d).map { (e.features[$0] - mean[$0]) / scale[$0] } + [1] }
        let lambda = regularisation * Double(d)
        let m = d + 1
        var beta = [Double](repeating: 0, count: m)
        for _ in 0..<30 {
            var gradient = [Double](repeating: 0, count: m)
            var hessian = [Double](repeating: 0, count: m * m)
            for (row, e) in zip(x, examples) {
                var s = 0.0
                for j in 0..<m { s += beta[j] * row[j] }
                let p = 1 / (1 + exp(-s))
                let r = e.weight * (p - (e.liked ? 1 : 0))
                let w = e.weight * max(p * (1 - p), 1e-9)
                for j in 0..<m {
                    gradient[j] += r * row[j]
                    let wj = w * row[j]
                    for k in j..<m { hessian[j * m + k] += wj * row[k] }
                }
            }
            for j in 0..<d {
                gradient[j] += lambda * beta[j]
                hessian[j * m + j] += lambda
            }
            hessian[(m - 1) * m + (m - 1)] += 1e-9
            for j in 0..<m { for k in 0..<j { hessian[j * m + k] = hessian[k * m + j] } }
            guard let step = Self.solve(hessian, gradient, m) else { break }
            var largest = 0.0
            for j in 0..<m {
                beta[j] -= step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-9 { break }
        }
        return TasteModel(mean: mean, scale: scale, weights: Array(beta[0..<d]), bias: beta[d])
    }

    /// k-fold cross-validated accuracy (example `i` is in fold `i mod k`); nil when a fold cannot be fitted.
    public static func crossValidatedAccuracy(_ examples: [TasteExample], folds: Int = 5,
                                              regularisation: Double = defaultRegularisation) -> Double? {
        guard examples.count >= folds * 2 else { return nil }
        var correct = 0.0, total = 0.0
        for fold in 0..<folds {
            let train = examples.indices.filter { $0 % folds != fold }.map { examples[$0] }
            guard let model = fit(train, regularisation: regularisation) else { return nil }
            for i in examples.indices where i % folds == fold {
                let e = examples[i]
                if (model.probability(e.features) >= 0.5) == e.liked { correct += 1 }
                total += 1
            }
        }
        return total > 0 ? correct / total : nil
    }

    /// Solves `A x = b` for a symmetric positive definite `A` (`m x m`, row-major) by Cholesky; nil if not SPD.
    static func solve(_ a: [Double], _ b: [Double], _ m: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0...i {
                var s = a[i * m + j]
                for k in 0..<j { s -= l[i * m + k] * l[j * m + k] }
                if i == j {
                    guard s > 0 else { return nil }
                    l[i * m + i] = s.squareRoot()
                } else {
                    l[i * m + j] = s / l[j * m + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: m)
        for i in 0..<m {
            var s = b[i]
            for k in 0..<i { s -= l[i * m + k] * y[k] }
            y[i] = s / l[i * m + i]
        }
        var x = [Double](repeating: 0, count: m)
        for i in stride(from: m - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<m { s -= l[k * m + i] * x[k] }
            x[i] = s / l[i * m + i]
        }
        return x
    }
}
