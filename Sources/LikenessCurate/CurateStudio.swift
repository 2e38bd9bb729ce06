import Foundation
import LikenessMedia
import LikenessPath
import LikenessShow
import LikenessTaste

// MARK: - CurateStudio

/// The state behind the curation app: candidates handed out, the ratings, the taste model, the pictures.
///
/// All engine and database work runs on one serial queue (`perform`), so the generator, the pipelines and
/// the store are used by one thread at a time however many requests arrive. Each rating is committed to
/// the taste file before `rate` returns. Candidates are drawn from a seeded stream (`seed`), so a session
/// can be replayed in tests; their ids are random and opaque.
public final class CurateStudio: @unchecked Sendable {
    /// A portrait offered for rating.
    public struct Candidate: Sendable, Equatable {
        public var id: String
        /// Probability that the artist likes it, by the current taste model (nil before there is one).
        public var score: Double?
    }

    /// What `GET /api/taste` reports.
    public struct Summary: Sendable, Equatable {
        public var modelID: String
        public var modelName: String
        public var counts: [RatingKind: Int]
        public var ratings: Int
        public var otherModelRatings: Int
        public var accuracy: Double?
        public var file: String
        public var curator: String?
        /// Seconds the last refit took (the model and its cross-validation).
        public var refitSeconds: Double
    }

    public let store: TasteStore
    public let modelID: String
    public let modelInfo: ModelInfo
    public let truncation: Double
    /// Pictures a candidate request paints and scores before choosing one.
    public let pool: Int
    /// Share of candidates drawn at random rather than where the model is least sure.
    public let exploration: Double

    /// Most candidates remembered (older ids are forgotten: `unknownCandidate`).
    static let candidateMemory = 512
    /// PNGs kept (the page asks for each one once, then the browser has it).
    static let imageMemory = 24
    /// Sides `GET /api/image/…?size=N` accepts.
    public static let sizes = 32...1024
    public static let defaultSize = 512

    private let queue = DispatchQueue(label: "likeness.curate.studio")
    private let makeGenerator: GeneratorFactory
    private let gaussian: GaussianStream
    private var drawn: Int64 = 0
    private var random: SplitMix
    private var generator: (any ImageGenerator)?
    private var featurizer: TasteFeaturizer?
    private var pipelines: [Int: StagePipeline] = [:]
    private var entries: [String: Entry] = [:]
    private var entryOrder: [String] = []
    private var images: [String: [UInt8]] = [:]
    private var imageOrder: [String] = []
    /// The rows that count and their examples (nil for skips), oldest first.
    private var rows: [(rating: Rating, example: TasteExample?)] = []
    private var otherModelRatings = 0
    private var model: TasteModel?
    private var accuracy: Double?

    private struct Entry {
        var z: [Double]
        var features: [Double]
        var rated = false
    }

    /// Opens a studio on `store` for `model`; paints the stored ratings once to fit the taste model.
    public init(store: TasteStore, model: LoadedModel, truncation: Double, seed: UInt64, pool: Int = 12,
                exploration: Double = 0.25) throws(TasteError) {
        self.store = store
        self.modelID = ModelIdentity.id(of: model.data)
        self.modelInfo = model.info
        self.truncation = truncation
        self.pool = max(1, pool)
        self.exploration = exploration
        self.makeGenerator = model.makeGenerator
        self.gaussian = GaussianStream(seed: seed)
        self.random = SplitMix(state: seed ^ 0xC0FF_EE00_D15E_A5E5)
        let ratings = try store.ratings(modelID: modelID).filter { $0.latent.count == model.info.zDim }
        otherModelRatings = try store.counts().filter { $0.key != modelID }.reduce(0) { $0 + $1.value.kinds.values.reduce(0, +) }
        if let featurizer = try? makeFeaturizer() {
            rows = ratings.map { r in
                (r, r.kind.liked.map { TasteExample(features: featurizer.features(of: r.latent, truncation: r.truncation), liked: $0,
                                                    weight: r.kind == .favourite ? 2 : 1) })
            }
        }
        refit()
    }

    /// Runs `body` on the studio's queue.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (CurateStudio) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body(self)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    // MARK: Candidates (call on the queue)

    /// The next portrait to rate: from `pool` fresh latents, mostly the one the model is least sure of,
    /// sometimes (`exploration`) one at random; at random while there is no model.
    public func nextCandidate() throws(TasteError) -> Candidate {
        let featurizer = try makeFeaturizer()
        var drawnPool: [(z: [Double], features: [Double])] = []
        for _ in 0..<(model == nil ? 1 : pool) {
            let z = gaussian.vector(stream: 0x7A57E, index: drawn, count: modelInfo.zDim)
            drawn += 1
            drawnPool.append((z, featurizer.features(of: z, truncation: truncation)))
        }
        var pick = 0
        if let model, random.nextUnit() >= exploration {
            var closest = Double.infinity
            for (i, c) in drawnPool.enumerated() {
                let distance = abs(model.probability(c.features) - 0.5)
                if distance < closest { (pick, closest) = (i, distance) }
            }
        } else {
            pick = Int(random.next() % UInt64(drawnPool.count))
        }
        return remember(z: drawnPool[pick].z, features: drawnPool[pick].features)
    }

    /// The PNG of candidate `id` at `size` x `size`.
    public func image(id: String, size: Int) throws(TasteError) -> [UInt8] {
        guard let entry = entries[id] else { throw .unknownCandidate(id) }
        guard Self.sizes.contains(size) else { throw .invalidArgument("size must be \(Self.sizes.lowerBound) to \(Self.sizes.upperBound), got \(size)") }
        let key = "\(id)@\(size)"
        if let png = images[key] { return png }
        let generator = try makeGeneratorOnce()
        let pipeline = pipelines[size] ?? StagePipeline(configuration: .standard(width: size, height: size), generator: generator)
        pipelines[size] = pipeline
        var frame = Frame(width: size, height: size)
        let latent = entry.z.map { Float($0 * truncation) }
        latent.withUnsafeBufferPointer { pipeline.run(latent: $0, into: &frame) }
        let png: [UInt8]
        do { png = try PNGCodec.encode(frame) } catch { throw .invalidArgument("could not encode the picture: \(error)") }
        images[key] = png
        imageOrder.append(key)
        if imageOrder.count > Self.imageMemory { images[imageOrder.removeFirst()] = nil }
        return png
    }

    /// Commits a rating of candidate `id`, refits the model; returns how many ratings count now.
    public func rate(id: String, kind: RatingKind) throws(TasteError) -> Int {
        guard var entry = entries[id] else { throw .unknownCandidate(id) }
        guard !entry.rated else { throw .alreadyRated(id) }
        let rating = try store.add(modelID: modelID, latent: entry.z.map { Float($0) }, truncation: truncation, kind: kind)
        entry.rated = true
        entries[id] = entry
        rows.append((rating, kind.liked.map { TasteExample(features: entry.features, liked: $0, weight: kind == .favourite ? 2 : 1) }))
        refit()
        return rows.count
    }

    /// Undoes the latest rating of this model (kept in the file, marked undone); returns it and a candidate
    /// that shows its portrait again, or nil when there is nothing to undo.
    public func undo() throws(TasteError) -> (rating: Rating, candidate: Candidate)? {
        guard let undone = try store.undoLast(modelID: modelID) else { return nil }
        var features = rows.last(where: { $0.rating.id == undone.id })?.example?.features
        rows.removeAll { $0.rating.id == undone.id }
        refit()
        if features == nil { features = try makeFeaturizer().features(of: undone.latent, truncation: undone.truncation) }
        return (undone, remember(z: undone.latent.map(Double.init), features: features ?? []))
    }

    /// Counts, cross-validated accuracy and ids.
    public func summary() -> Summary {
        var counts: [RatingKind: Int] = [:]
        for kind in RatingKind.allCases { counts[kind] = 0 }
        for row in rows { counts[row.rating.kind, default: 0] += 1 }
        return Summary(modelID: modelID, modelName: modelInfo.name, counts: counts, ratings: rows.count,
                       otherModelRatings: otherModelRatings, accuracy: accuracy, file: store.url.lastPathComponent,
                       curator: try? store.setting("curator"), refitSeconds: lastRefitSeconds)
    }

    /// Seconds the last refit took (model and cross-validation).
    public private(set) var lastRefitSeconds = 0.0

    // MARK: Internals

    private func refit() {
        let start = Date()
        let examples = rows.compactMap(\.example)
        model = TasteModel.fit(examples)
        accuracy = model == nil ? nil : TasteModel.crossValidatedAccuracy(examples)
        lastRefitSeconds = Date().timeIntervalSince(start)
    }

    private func remember(z: [Double], features: [Double]) -> Candidate {
        let id = Self.randomID()
        entries[id] = Entry(z: z, features: features)
        entryOrder.append(id)
        if entryOrder.count > Self.candidateMemory { entries[entryOrder.removeFirst()] = nil }
        return Candidate(id: id, score: model.map { $0.probability(features) })
    }

    private func makeGeneratorOnce() throws(TasteError) -> any ImageGenerator {
        if let generator { return generator }
        do {
            let made = try makeGenerator(0)
            generator = made
            return made
        } catch {
            throw .invalidArgument("the generator could not be made: \(error)")
        }
    }

    private func makeFeaturizer() throws(TasteError) -> TasteFeaturizer {
        if let featurizer { return featurizer }
        let made = TasteFeaturizer(generator: try makeGeneratorOnce())
        featurizer = made
        return made
    }

    /// 128 random bits in hex.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64)
    }
}

/// SplitMix64, for the studio's exploration coin (seeded, so a session replays in tests).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
