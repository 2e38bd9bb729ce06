import Foundation
import LikenessPath
import LikenessShow
import LikenessTaste
import Testing

/// Shows steered by a taste file: still a pure function of (seed, k, taste file), and steered toward the taste.
@Suite struct SteeringTests {
    let model: LoadedModel
    let featurizer: TasteFeaturizer

    init() throws {
        model = try LoadedModel.load(url: fixtureModelURL)
        featurizer = TasteFeaturizer(generator: try model.makeGenerator(1))
    }

    /// The fixture's picture of `truncation · z`.
    func planes(_ z: [Double], truncation: Double = 0.8) -> [Float] {
        let generator = featurizer.generator
        var out = [Float](repeating: 0, count: 3 * generator.imageWidth * generator.imageHeight)
        let latent = z.map { Float($0 * truncation) }
        latent.withUnsafeBufferPointer { input in out.withUnsafeMutableBufferPointer { generator.render(latents: input, into: $0) } }
        return out
    }

    func border(_ z: [Double], truncation: Double = 0.8) -> Double {
        borderLuminance(planes(z, truncation: truncation), width: featurizer.generator.imageWidth, height: featurizer.generator.imageHeight)
    }

    /// A taste file in which a scripted rater liked dark borders (the darkest 30%) among `count` random faces.
    func darkBorderTaste(count: Int, favourites: Int = 0) throws -> (url: URL, threshold: Double) {
        let zDim = model.info.zDim
        let sample = (0..<400).map { border(GaussianStream(seed: 4242).vector(stream: 9, index: Int64($0), count: zDim)) }.sorted()
        let threshold = sample[Int(0.3 * Double(sample.count))]
        let url = temporaryFile()
        let store = try TasteStore(url: url)
        let id = ModelIdentity.id(of: model.data)
        var favouritesLeft = favourites
        for i in 0..<count {
            let z = GaussianStream(seed: 77).vector(stream: 3, index: Int64(i), count: zDim)
            let liked = border(z) < threshold
            let kind: RatingKind = liked ? (favouritesLeft > 0 ? .favourite : .like) : .dislike
            if kind == .favourite { favouritesLeft -= 1 }
            try store.add(modelID: id, latent: z.map { Float($0) }, truncation: 0.8, kind: kind)
        }
        try store.add(modelID: "another-model", latent: [Float](repeating: 1, count: 7), truncation: 0.8, kind: .like)
        return (url, threshold)
    }

    func path(_ taste: LoadedTaste, strength: Double, favourites: Double, seed: UInt64 = 5,
              style: MotionStyle = .sitters(hold: 6, morph: 4)) -> LatentPath {
        let factory = taste.pathFactory(settings: TasteSettings(file: taste.url.path, strength: strength, favourites: favourites),
                                        makeGenerator: model.makeGenerator)
        return factory(Screen(seed: seed), MotionSettings(style: style, truncation: 0.8), model.info.zDim) as! LatentPath
    }

    @Test func theSameSeedKeyframeAndTasteFileGiveTheSameLatents() throws {
        let file = try darkBorderTaste(count: 60, favourites: 3)
        let a = path(try LoadedTaste.load(url: file.url, model: model), strength: 0.8, favourites: 0.2)
        let b = path(try LoadedTaste.load(url: file.url, model: model), strength: 0.8, favourites: 0.2)
        let times = [0, 3.7, 9.99, 25.2, 61, 123.4]
        let forward = times.map { a.latent(at: $0) }
        let backward = times.reversed().map { b.latent(at: $0) }.reversed()  // seeking in another order
        #expect(forward.map { $0.map(\.bitPattern) } == backward.map { $0.map(\.bitPattern) })
        for k in 0..<8 { #expect(a.keyframe(k) == b.keyframe(k)) }
        let mid = a.latent(at: 3), keyframe = a.keyframe(0).map { $0 * 0.8 }  // mid-hold of sitter 0: its keyframe, no drift
        #expect(zip(mid, keyframe).allSatisfy { abs($0 - $1) < 1e-5 }, "mid-hold the path shows the chosen keyframe")
        #expect((0..<8).contains { a.keyframe($0) != LatentPath(seed: 5, zDim: model.info.zDim, style: a.style).keyframe($0) },
                "the taste changes some keyframes")
    }

    @Test func strengthZeroWithoutFavouritesIsThePlainShow() throws {
        let taste = try LoadedTaste.load(url: try darkBorderTaste(count: 30).url, model: model)
        let steered = path(taste, strength: 0, favourites: 0, style: .drift(secondsPerKeyframe: 8))
        let plain = LatentPath(seed: 5, zDim: model.info.zDim, style: .drift(secondsPerKeyframe: 8), truncation: 0.8)
        for t in [0, 1.5, 8, 17.25, 100] { #expect(steered.latent(at: t) == plain.latent(at: t)) }
    }

    @Test func favouritesReturn() throws {
        let taste = try LoadedTaste.load(url: try darkBorderTaste(count: 40, favourites: 4).url, model: model)
        #expect(taste.favourites.count == 4)
        #expect(taste.otherModelRatings == 1, "the other model's row is kept and counted apart")
        let all = path(taste, strength: 0.8, favourites: 1)
        for k in 0..<6 {
            let keyframe = all.keyframe(k).map(Double.init)
            #expect(taste.favourites.contains { zip($0, keyframe).allSatisfy { abs($0 - $1) < 1e-6 } })
        }
    }

    @Test func aTasteOfDarkBordersSteersTheShowToDarkBorders() throws {
        let file = try darkBorderTaste(count: 150)
        let taste = try LoadedTaste.load(url: file.url, model: model)
        let steered = path(taste, strength: 0.8, favourites: 0, seed: 11)
        let plain = LatentPath(seed: 11, zDim: model.info.zDim, style: steered.style, truncation: 0.8)
        let keyframes = 0..<60
        let share = { (p: LatentPath) in
            Double(keyframes.filter { self.border(p.keyframe($0).map(Double.init)) < file.threshold }.count) / Double(keyframes.count)
        }
        let base = share(plain), tasted = share(steered)
        #expect(base < 0.5, "base rate \(base)")
        #expect(tasted >= 0.8, "steered share \(tasted) (base rate \(base))")
    }

    /// A diptych steered per screen: the left by its own taste at its own strength, the right by nothing
    /// ("none" over the exhibition's `[taste]`); a file two screens share is read once.
    @Test func eachScreenMayNameItsOwnTaste() throws {
        let file = try darkBorderTaste(count: 60)
        var e = Exhibition()
        e.taste = TasteSettings(file: file.url.path, strength: 0.3)
        e.screens = [Screen(name: "left", display: 0, seed: 5, tasteStrength: 0.9), Screen(name: "right", display: 1, seed: 6, tasteFile: "none"),
                     Screen(name: "third", display: 2, seed: 7)]
        var loads = 0
        let tastes = try ScreenTastes(exhibition: e) { url in
            loads += 1
            return try LoadedTaste.load(url: url, model: self.model)
        }
        #expect(loads == 1, "the left and third screens share one file")
        #expect(tastes.screens.map { $0.taste != nil } == [true, false, true])
        #expect(tastes.screens.map(\.settings.strength) == [0.9, 0.3, 0.3])
        #expect(tastes.summaries(names: e.screens.map(\.name)).map { $0.components(separatedBy: ":")[0] } == ["screen left", "screen third"])
        let factory = tastes.pathFactory(exhibition: e, plain: LoadedModel.makePath, makeGenerator: model.makeGenerator)
        let motion = MotionSettings(style: .sitters(hold: 6, morph: 4), truncation: 0.8)
        let left = factory(e.screens[0], motion, model.info.zDim) as! LatentPath
        let right = factory(e.screens[1], motion, model.info.zDim) as! LatentPath
        let plainRight = LoadedModel.makePath(e.screens[1], motion, model.info.zDim) as! LatentPath
        let plainLeft = LoadedModel.makePath(e.screens[0], motion, model.info.zDim) as! LatentPath
        #expect((0..<8).allSatisfy { right.keyframe($0) == plainRight.keyframe($0) }, "no taste on the right")
        #expect((0..<8).contains { left.keyframe($0) != plainLeft.keyframe($0) }, "the left is steered")
        let darkLeft = (0..<16).filter { border(left.keyframe($0).map(Double.init)) < file.threshold }.count
        let darkPlain = (0..<16).filter { border(plainLeft.keyframe($0).map(Double.init)) < file.threshold }.count
        #expect(darkLeft > darkPlain, "toward the left screen's kind of sitter: \(darkLeft) vs \(darkPlain) of 16")
    }
}
