import Foundation
import LikenessMedia

// MARK: - KeyframeLineage

/// The works each sitter (keyframe `k` of a path) resembles, computed once per keyframe and remembered,
/// like the taste's choices: a pure function of (model, seed, keyframe, taste), since `paint(k)` paints
/// the path's keyframe `k` (the chooser's choice) at the show's truncation.
///
/// ``works(forKeyframe:)`` computes on the caller's thread (frames, record, the CLI). The live show never
/// computes on its frame path: it calls ``request(_:)`` (computed on a background queue) and reads
/// ``cached(_:)``, which is a lock and a lookup.
public final class KeyframeLineage: @unchecked Sendable {
    /// Paints keyframe `k`: a planar `[3, H, W]` picture in [-1, 1].
    public typealias Painter = @Sendable (Int64) -> PlanarImage

    public let lineage: Lineage
    public let k: Int
    private let paint: Painter
    private let lock = NSLock()
    private var memo: [Int64: [LineageMatch]] = [:]
    private var pending = Set<Int64>()
    private let queue = DispatchQueue(label: "likeness.lineage", qos: .utility)

    public init(lineage: Lineage, k: Int = 3, paint: @escaping Painter) {
        self.lineage = lineage
        self.k = k
        self.paint = paint
        memo.reserveCapacity(64)
    }

    /// The works of keyframe `k`, computing them now if they are not known yet.
    public func works(forKeyframe keyframe: Int64) -> [LineageMatch] {
        if let known = cached(keyframe) { return known }
        let matches = lineage.works(of: paint(keyframe), k: k)
        store(matches, for: keyframe)
        return matches
    }

    /// The works of keyframe `k` if already computed; never computes.
    public func cached(_ keyframe: Int64) -> [LineageMatch]? {
        lock.lock()
        defer { lock.unlock() }
        return memo[keyframe]
    }

    /// Computes keyframe `k`'s works on a background queue unless known or under way.
    public func request(_ keyframe: Int64) {
        lock.lock()
        let due = memo[keyframe] == nil && pending.insert(keyframe).inserted
        lock.unlock()
        guard due else { return }
        queue.async { [self] in
            _ = works(forKeyframe: keyframe)
            lock.lock()
            pending.remove(keyframe)
            lock.unlock()
        }
    }

    private func store(_ matches: [LineageMatch], for keyframe: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if memo.count >= 4096 { memo.removeAll(keepingCapacity: true) }
        memo[keyframe] = matches
    }
}
