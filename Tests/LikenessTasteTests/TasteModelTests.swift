import Foundation
import LikenessTaste
import Testing

@Suite struct TasteModelTests {
    /// Features like pooled pictures: 48 correlated numbers driven by 8 hidden factors (plus noise), and a
    /// hidden preference on two of the factors with about a 30% base rate, plus label noise.
    static func synthetic(count: Int, seed: UInt64, noise: Double = 0.05) -> [TasteExample] {
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53 + 0x1p-54
        }
        func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        let saved = state
        state = 0x5EED  // the same mixing for every set
        let mixing = (0..<TasteFeatures.count * 8).map { _ in normal() }
        state = saved
        return (0..<count).map { _ in
            let factors = (0..<8).map { _ in normal() }
            let x = (0..<TasteFeatures.count).map { f in (0..<8).reduce(0) { $0 + mixing[f * 8 + $1] * factors[$1] } + 0.3 * normal() }
            let s = (factors[0] + 0.5 * factors[1]) / 1.25.squareRoot()
            var liked = s > 0.52  // P(N(0,1) > 0.52) ≈ 0.30
            if uniform() < noise { liked.toggle() }
            return TasteExample(features: x, liked: liked)
        }
    }

    @Test(arguments: [60, 150])
    func learnsAHiddenPreferenceWellAboveChance(ratings: Int) throws {
        let train = Self.synthetic(count: ratings, seed: 7), test = Self.synthetic(count: 2000, seed: 99, noise: 0)
        let model = try #require(TasteModel.fit(train))
        let accuracy = Double(test.filter { (model.probability($0.features) >= 0.5) == $0.liked }.count) / Double(test.count)
        let baseline = Double(test.filter { !$0.liked }.count) / Double(test.count)  // always "dislike"
        #expect(accuracy > baseline + (ratings >= 150 ? 0.12 : 0.05), "accuracy \(accuracy) vs always-no \(baseline)")
        let cv = try #require(TasteModel.crossValidatedAccuracy(train))
        #expect(cv > 0.75, "cross-validated accuracy \(cv)")
    }

    @Test func fittingIsDeterministic() throws {
        let examples = Self.synthetic(count: 300, seed: 3)
        let a = try #require(TasteModel.fit(examples))
        let b = try #require(TasteModel.fit(examples))
        #expect(a == b)
        #expect(TasteModel.crossValidatedAccuracy(examples) == TasteModel.crossValidatedAccuracy(examples))
    }

    @Test func needsBothLikesAndDislikes() {
        let liked = (0..<10).map { TasteExample(features: [Double](repeating: Double($0), count: 4), liked: true) }
        #expect(TasteModel.fit(liked) == nil)
        #expect(TasteModel.fit([]) == nil)
    }
}
