import Foundation
import LikenessLineage
import LikenessMedia
import LikenessPath
import LikenessShow

// MARK: - Keyframe painter

/// Paints keyframe `k` of a path as the show shows its sitter: the generator on `truncation · z_k`
/// (the chooser's choice of `z_k`, as the taste paints its candidates). One generator, behind a lock.
final class KeyframePainter: @unchecked Sendable {
    private let path: LatentPath
    private let generator: any ImageGenerator
    private let lock = NSLock()
    private var latent: [Float]

    init(path: LatentPath, generator: any ImageGenerator) {
        self.path = path
        self.generator = generator
        latent = [Float](repeating: 0, count: generator.zDim)
    }

    func paint(_ k: Int64) -> PlanarImage {
        lock.lock()
        defer { lock.unlock() }
        let z = path.keyframe(Int(k))
        for i in latent.indices { latent[i] = i < z.count ? z[i] * path.truncation : 0 }
        var image = PlanarImage(channels: 3, width: generator.imageWidth, height: generator.imageHeight)
        latent.withUnsafeBufferPointer { input in
            image.withUnsafeMutableBufferPointer { generator.render(latents: input, into: $0) }
        }
        return image
    }
}

/// The works each sitter of one screen resembles: nil when the model has no lineage or the path is not
/// a ``LatentPath``.
func keyframeLineage(for exhibition: Exhibition, screen: Int, model: LoadedModel, makePath: PathFactory) throws -> (KeyframeLineage, LatentPath)? {
    guard let lineage = try Lineage.load(forModel: model.url) else { return nil }
    guard let path = makePath(exhibition.screens[screen], exhibition.motion, model.info.zDim) as? LatentPath else { return nil }
    let painter = KeyframePainter(path: path, generator: try model.makeGenerator(1))
    return (KeyframeLineage(lineage: lineage, paint: { painter.paint($0) }), path)
}

// MARK: - The --lineage sidecar of frames and record

/// Writes `url`: one entry per keyframe shown in frames `startFrame ..< startFrame + count` (its first frame,
/// its show time, its works), in the schema of `likeness lineage --json`.
func writeLineageSidecar(to url: URL, exhibition: Exhibition, screen: Int, model: LoadedModel, makePath: PathFactory,
                         fps: Int, origin: Double, startFrame: Int, count: Int) throws {
    guard let (lineage, path) = try keyframeLineage(for: exhibition, screen: screen, model: model, makePath: makePath) else {
        throw LineageError.missing(model: model.url.path)
    }
    var entries: [LineageSidecar.Entry] = []
    var last: Int64?
    for frame in startFrame..<(startFrame + count) {
        let t = origin + LatentPath.time(ofFrame: frame, fps: Double(fps))
        let k = path.keyframeShown(at: t)
        guard k != last else { continue }
        last = k
        entries.append(.init(keyframe: k, firstFrame: frame, startSeconds: (t * 1000).rounded() / 1000, works: lineage.works(forKeyframe: k)))
    }
    let text = try LineageSidecar.json(entries) + "\n"
    do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
        throw CommandError("cannot write the lineage sidecar '\(url.path)': \(error.localizedDescription); check the folder and free space")
    }
    note("lineage of \(entries.count) sitters written to \(url.path)")
}

extension HeadlessRenderer.Outcome {
    /// How many frames were written, however the run ended.
    var frames: Int? {
        switch self {
        case let .completed(frames), let .interrupted(frames), let .outputClosed(frames): return frames
        }
    }
}

// MARK: - Credits for the live show

/// One screen's ``SitterCreditProvider``: the keyframe on show (``LatentPath/keyframeShown(at:)``), its works and
/// their thumbnails, computed on a background queue the first time the show asks (and the next keyframe's
/// ahead of time), then a lock and a lookup.
final class LineageCredits: SitterCreditProvider, @unchecked Sendable {
    private let keyframes: KeyframeLineage
    private let path: LatentPath
    private let collection: String
    private let lock = NSLock()
    private var memo: [Int64: SitterCredit] = [:]
    private var pending = Set<Int64>()
    private let queue = DispatchQueue(label: "likeness.lineage.credits", qos: .utility)

    init(keyframes: KeyframeLineage, path: LatentPath) {
        self.keyframes = keyframes
        self.path = path
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        let works = formatter.string(from: NSNumber(value: keyframes.lineage.index.workCount)) ?? "\(keyframes.lineage.index.workCount)"
        collection = "painted by Likeness from \(works) public-domain portraits, The Met"
    }

    func credit(atShowTime t: Double) -> SitterCredit? {
        let k = path.keyframeShown(at: t)
        lock.lock()
        let known = memo[k]
        let missing = [k, k &+ 1].filter { memo[$0] == nil && !pending.contains($0) }
        for m in missing { pending.insert(m) }
        lock.unlock()
        for m in missing { queue.async { [self] in make(m) } }
        return known
    }

    private func make(_ k: Int64) {
        let matches = keyframes.works(forKeyframe: k)
        let works = matches.map { m in
            SitterCredit.Work(credit: m.work.credit, objectCredit: m.work.objectCredit, url: m.work.url,
                              thumbnail: try? keyframes.lineage.thumbnail(face: m.face))
        }
        let credit = SitterCredit(sitter: k, works: works, resembles: LineageMatch.resemblesLine(matches), collection: collection)
        lock.lock()
        if memo.count >= 1024 { memo.removeAll(keepingCapacity: true) }
        memo[k] = credit
        pending.remove(k)
        lock.unlock()
    }
}

/// The live show's providers, one per screen; empty for a model without lineage.
func lineageCredits(for exhibition: Exhibition, model: LoadedModel, makePath: PathFactory) throws -> [(any SitterCreditProvider)?] {
    guard Lineage.exists(forModel: model.url) else { return [] }
    return try exhibition.screens.indices.map { i in
        try keyframeLineage(for: exhibition, screen: i, model: model, makePath: makePath).map { LineageCredits(keyframes: $0.0, path: $0.1) }
    }
}
