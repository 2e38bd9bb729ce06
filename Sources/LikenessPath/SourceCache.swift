import Foundation  // NSLock only

// MARK: - Cache of generated Gaussian vectors

/// The last few Gaussian vectors a path generated, so that consecutive frames (which almost
/// always share their keyframes) skip the generation.
///
/// Storage is allocated once, when the path is made: six slots of `zDim` values, laid out in
/// groups of four component pairs, `[even₀…₃, odd₀…₃]` per group, exactly as
/// ``GaussianStream/normalPairs(stream:index:firstPair:)`` returns them. Cached values are the
/// generated values, and the blend kernel does the same arithmetic on them, so a cached and an
/// uncached evaluation give the same bits. Access is guarded by a lock taken with `try()`: a
/// thread that finds it held evaluates without the cache instead of waiting.
@usableFromInline
final class SourceCache: @unchecked Sendable {
    /// Slots: enough for the four vectors of one instant plus the two that a step brings in.
    static let slotCount = 6
    /// Paths with more components than this are not cached (memory).
    static let maximumZDim = 1 << 16

    let lock = NSLock()
    let groups: Int
    let storage: UnsafeMutablePointer<SIMD4<Double>>  // [slot][group][even, odd]
    var streams: [UInt32]
    var indices: [Int64]
    var valid: [Bool]
    var lastUse: [UInt64]
    var tick: UInt64 = 0

    init(zDim: Int) {
        groups = (zDim + 7) / 8
        storage = .allocate(capacity: Self.slotCount * groups * 2)
        storage.initialize(repeating: SIMD4(), count: Self.slotCount * groups * 2)
        streams = [UInt32](repeating: 0, count: Self.slotCount)
        indices = [Int64](repeating: 0, count: Self.slotCount)
        valid = [Bool](repeating: false, count: Self.slotCount)
        lastUse = [UInt64](repeating: 0, count: Self.slotCount)
    }

    deinit {
        storage.deallocate()
    }

    /// The slot holding vector `index` of `stream`, generating it if needed. Call with the lock held.
    func slot(stream: UInt32, index: Int64, source: (UInt32, Int64, Int) -> (even: SIMD4<Double>, odd: SIMD4<Double>)) -> Int {
        tick &+= 1
        for slot in 0..<Self.slotCount where valid[slot] && streams[slot] == stream && indices[slot] == index {
            lastUse[slot] = tick
            return slot
        }
        var victim = 0
        for slot in 1..<Self.slotCount where !valid[slot] || lastUse[slot] < lastUse[victim] {
            if !valid[victim] { break }
            victim = slot
        }
        let base = storage + victim * groups * 2
        for group in 0..<groups {
            let (even, odd) = source(stream, index, 4 * group)
            base[2 * group] = even
            base[2 * group + 1] = odd
        }
        streams[victim] = stream
        indices[victim] = index
        valid[victim] = true
        lastUse[victim] = tick
        return victim
    }
}
