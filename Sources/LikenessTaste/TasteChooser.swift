import Foundation
import LikenessPath
import LikenessShow

// MARK: - TasteChooser

/// Steers a show's keyframes with a taste model: a ``KeyframeChooser`` that is a pure function of
/// (seed, k, taste file).
///
/// For keyframe `k`: with probability `favouriteShare` (a hash of `(seed, k)`, not a random draw) it is a
/// favourite returning (which one: the same hash). Otherwise, with a model and `strength > 0`, it paints
/// candidates `j = 0, 1, …, candidates − 1` of keyframe `k` (``LatentPath/candidate(seed:keyframe:candidate:zDim:)``,
/// at the show's truncation) and takes the first whose probability of being liked is at least `strength`,
/// or the one with the highest probability. Probabilities are compared after rounding to 1/4096, ties going
/// to the lower index, so that engines whose floats differ in the last bits still agree.
///
/// The choice is made when the path first needs keyframe `k` (painting up to `candidates` 128 px pictures:
/// about 40 ms for 16 on two cores) and remembered, so every later frame costs a lock and a lookup.
public final class TasteChooser: KeyframeChooser, @unchecked Sendable {
    public let seed: UInt64
    public let zDim: Int
    public let truncation: Double
    public let model: TasteModel?
    public let strength: Double
    public let favouriteShare: Double
    public let candidates: Int
    public let fixedVectors: [[Double]]

    /// Candidates per keyframe by default.
    public static let defaultCandidates = 16

    private let lock = NSLock()
    private var memo: [Int64: KeyframeChoice] = [:]
    private var featurizer: TasteFeaturizer?
    private let makeGenerator: GeneratorFactory

    public init(seed: UInt64, zDim: Int, truncation: Double, model: TasteModel?, strength: Double, favourites: [[Double]],
                favouriteShare: Double, candidates: Int = TasteChooser.defaultCandidates, makeGenerator: @escaping GeneratorFactory) {
        precondition(candidates >= 1, "a chooser needs at least one candidate")
        self.seed = seed
        self.zDim = zDim
        self.truncation = truncation
        self.model = model
        self.strength = strength
        self.favouriteShare = favouriteShare
        self.candidates = candidates
        self.fixedVectors = favourites
        self.makeGenerator = makeGenerator
        memo.reserveCapacity(256)
    }

    public func choice(forKeyframe k: Int64) -> KeyframeChoice {
        lock.lock()
        defer { lock.unlock() }
        if let known = memo[k] { return known }
        let choice = choose(k)
        if memo.count >= 4096 { memo.removeAll(keepingCapacity: true) }
        memo[k] = choice
        return choice
    }

    /// What the choice rests on: the probability each candidate of `k` is liked (nil without a model).
    public func scores(forKeyframe k: Int64) -> [Double]? {
        lock.lock()
        defer { lock.unlock() }
        guard let model, let featurizer = makeFeaturizer() else { return nil }
        return (0..<candidates).map { j in
            model.probability(featurizer.features(of: LatentPath.candidate(seed: seed, keyframe: k, candidate: j, zDim: zDim), truncation: truncation))
        }
    }

    private func choose(_ k: Int64) -> KeyframeChoice {
        if !fixedVectors.isEmpty, favouriteShare > 0 {
            let h = Self.hash(seed, k, salt: 0xFA40_0817)
            if Double(h >> 11) * 0x1p-53 < favouriteShare {
                return .fixed(Int(Self.hash(seed, k, salt: 0x5E1E_C7ED) % UInt64(fixedVectors.count)))
            }
        }
        guard let model, strength > 0, candidates > 1, let featurizer = makeFeaturizer() else { return .candidate(0) }
        let threshold = Self.quantise(strength)
        var best = 0, bestScore = -1
        for j in 0..<candidates {
            let z = LatentPath.candidate(seed: seed, keyframe: k, candidate: j, zDim: zDim)
            let score = Self.quantise(model.probability(featurizer.features(of: z, truncation: truncation)))
            if score >= threshold { return .candidate(j) }
            if score > bestScore { (best, bestScore) = (j, score) }
        }
        return .candidate(best)
    }

    private func makeFeaturizer() -> TasteFeaturizer? {
        if featurizer == nil, let generator = try? makeGenerator(1) { featurizer = TasteFeaturizer(generator: generator) }
        return featurizer
    }

    static func quantise(_ p: Double) -> Int { Int((p * 4096).rounded()) }

    /// SplitMix64 (Steele, Lea and Flood 2014) of seed, k and a salt.
    static func hash(_ seed: UInt64, _ k: Int64, salt: UInt64) -> UInt64 {
        func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(seed ^ salt) ^ UInt64(bitPattern: k))
    }
}
