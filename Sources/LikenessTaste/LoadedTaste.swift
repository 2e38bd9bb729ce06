import Foundation
import LikenessPath
import LikenessShow

// MARK: - LoadedTaste

/// A taste file read for one model: its ratings, the fitted taste model and the favourites.
public struct LoadedTaste: Sendable {
    public let url: URL
    /// ``ModelIdentity`` of the model it was loaded for.
    public let modelID: String
    /// The ratings of this model that count, oldest first.
    public let ratings: [Rating]
    /// Rows kept for other models (ignored here).
    public let otherModelRatings: Int
    /// nil with too few likes or dislikes.
    public let model: TasteModel?
    /// Favourites' latents (standard-normal scale), oldest first.
    public let favourites: [[Double]]
    /// Who rated, if `likeness curate --curator` said.
    public let curator: String?

    /// Reads `url` (which must exist) for `model`, paints every rating's latent once to fit the taste model.
    public static func load(url: URL, model: LoadedModel) throws(TasteError) -> LoadedTaste {
        let store = try TasteStore(url: url, mustExist: true)
        let id = ModelIdentity.id(of: model.data)
        let ratings = try store.ratings(modelID: id).filter { $0.latent.count == model.info.zDim }
        let counts = try store.counts()
        let others = counts.filter { $0.key != id }.reduce(0) { $0 + $1.value.kinds.values.reduce(0, +) }
        var examples: [TasteExample] = []
        if let generator = try? model.makeGenerator(0) {
            examples = Self.examples(ratings, featurizer: TasteFeaturizer(generator: generator))
        }
        return LoadedTaste(url: url, modelID: id, ratings: ratings, otherModelRatings: others, model: TasteModel.fit(examples),
                           favourites: ratings.filter { $0.kind == .favourite }.map { $0.latent.map(Double.init) },
                           curator: try store.setting("curator"))
    }

    /// The examples the taste model learns from (skips left out; favourites count twice).
    public static func examples(_ ratings: [Rating], featurizer: TasteFeaturizer) -> [TasteExample] {
        ratings.compactMap { r in
            guard let liked = r.kind.liked else { return nil }
            return TasteExample(features: featurizer.features(of: r.latent, truncation: r.truncation), liked: liked,
                                weight: r.kind == .favourite ? 2 : 1)
        }
    }

    /// How many ratings count (skips included).
    public var count: Int { ratings.count }

    /// The overlay and `info` line, e.g. `taste taste.sqlite: 150 ratings (12 favourites), strength 0.8`
    /// (without `settings`, no strength).
    public func summary(settings: TasteSettings? = nil) -> String {
        let favourites = self.favourites.count
        var text = "taste \(url.lastPathComponent): \(count) ratings"
        if favourites > 0 { text += " (\(favourites) favourite\(favourites == 1 ? "" : "s"))" }
        if model == nil {
            text += ", too few likes and dislikes to steer yet"
        } else if let settings {
            text += String(format: ", strength %g", settings.strength)
        }
        if let curator, !curator.isEmpty { text += ", curated by \(curator)" }
        return text
    }

    /// The path factory of a show steered by this taste: each screen's ``LatentPath`` with a ``TasteChooser``.
    public func pathFactory(settings: TasteSettings, makeGenerator: @escaping GeneratorFactory) -> PathFactory {
        let model = self.model, favourites = self.favourites
        return { screen, motion, zDim in
            let chooser = TasteChooser(seed: screen.seed, zDim: zDim, truncation: motion.truncation, model: model,
                                       strength: settings.strength, favourites: favourites, favouriteShare: settings.favourites,
                                       makeGenerator: makeGenerator)
            return LatentPath(seed: screen.seed, zDim: zDim, style: motion.style, truncation: Float(motion.truncation),
                              speed: motion.speed, chooser: chooser)
        }
    }
}

// MARK: - ScreenTastes

/// What steers each screen of a show: its own `[[screens]] taste` and `taste_strength`, else the exhibition's
/// `[taste]` (see ``LikenessShow/Exhibition/taste(for:overridePath:)``). A diptych can steer one screen toward one
/// kind of sitter and the other toward another, as *Memories of Passerby I* shows two streams of two kinds.
/// Each taste file is read once, however many screens share it.
public struct ScreenTastes: Sendable {
    /// Per screen, in order: the taste loaded for it (nil: plain seeded sitters) and the settings in force there.
    public let screens: [(taste: LoadedTaste?, settings: TasteSettings)]

    /// Reads every screen's taste with `load` (the real one: ``LoadedTaste/load(url:model:)``).
    public init(exhibition: Exhibition, overridePath: String? = nil, load: (URL) throws -> LoadedTaste) throws {
        var loaded: [URL: LoadedTaste] = [:]
        var screens: [(taste: LoadedTaste?, settings: TasteSettings)] = []
        for screen in exhibition.screens {
            let (file, settings) = exhibition.taste(for: screen, overridePath: overridePath)
            guard let file else {
                screens.append((nil, settings))
                continue
            }
            if loaded[file] == nil { loaded[file] = try load(file) }
            screens.append((loaded[file], settings))
        }
        self.screens = screens
    }

    /// Whether any screen is steered.
    public var steersAny: Bool { screens.contains { $0.taste != nil } }

    /// Each steered screen's overlay line, "screen left: taste a.sqlite: 150 ratings, strength 0.8" (one screen: no name).
    public func summaries(names: [String]) -> [String] {
        zip(names, screens).compactMap { name, s in
            guard let taste = s.taste else { return nil }
            return (screens.count > 1 ? "screen \(name): " : "") + taste.summary(settings: s.settings)
        }
    }

    /// The path factory: a screen's ``LatentPath`` steered by its taste, or `plain` for a screen without one.
    /// Screens are told apart by their place in `exhibition`'s list (a reload keeps the seeds, so the order).
    public func pathFactory(exhibition: Exhibition, plain: @escaping PathFactory, makeGenerator: @escaping GeneratorFactory) -> PathFactory {
        let steered: [PathFactory?] = screens.map { s in s.taste.map { $0.pathFactory(settings: s.settings, makeGenerator: makeGenerator) } }
        let list = exhibition.screens
        return { screen, motion, zDim in
            let i = list.firstIndex { $0.name == screen.name && $0.seed == screen.seed } ?? list.firstIndex { $0.seed == screen.seed }
            guard let i, let factory = steered[i] else { return plain(screen, motion, zDim) }
            return factory(screen, motion, zDim)
        }
    }
}
