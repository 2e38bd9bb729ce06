// MARK: - Keyframe choosers

/// Which vector stands for keyframe `k` of a ``LatentPath``.
public enum KeyframeChoice: Sendable, Hashable {
    /// Candidate `j` of keyframe `k`: vector `k` of stream ``LatentPath/candidateStream(_:)`` `j`.
    /// Candidate 0 is the plain keyframe (stream 0), so a path that always chooses it is the unsteered path.
    case candidate(Int)
    /// Vector `i` of the chooser's ``KeyframeChooser/fixedVectors`` (a favourite from a taste file).
    case fixed(Int)
}

/// Chooses the keyframes of a path: for each index `k`, one of its seeded candidates or a fixed vector.
///
/// A chooser must be a pure function of `k` and of what it was made from (a seed, a taste file), so that a
/// steered path keeps every property of a plain one: seeking is stepping, loops close, and two machines
/// with the same seed and taste file agree. It may compute lazily and remember its answers. `choice` is
/// called for every frame, so an answer it already knows must be cheap and must not allocate.
public protocol KeyframeChooser: AnyObject, Sendable {
    /// The source of keyframe `k`.
    func choice(forKeyframe k: Int64) -> KeyframeChoice
    /// The vectors ``KeyframeChoice/fixed(_:)`` refers to: standard-normal scale (before truncation),
    /// each exactly `zDim` long.
    var fixedVectors: [[Double]] { get }
}

extension LatentPath {
    /// First stream of the candidate keyframes (candidate `j ≥ 1` is stream `candidateStreamBase + j`).
    public static let candidateStreamBase: UInt32 = 0x100
    /// Marks a fixed vector in a blend plan (its index is the vector's position in `fixedVectors`).
    static let fixedStream: UInt32 = 0xFFFF_FFFF

    /// The stream of candidate `j` of every keyframe: 0 (the plain keyframes) for `j = 0`, else
    /// `candidateStreamBase + j`.
    public static func candidateStream(_ j: Int) -> UInt32 {
        precondition(j >= 0 && j < 0x10000, "candidate index \(j) out of range")
        return j == 0 ? keyframeStream : candidateStreamBase + UInt32(j)
    }

    /// Candidate `j` of keyframe `k` under `seed`: a standard-normal vector of `zDim` components.
    public static func candidate(seed: UInt64, keyframe k: Int64, candidate j: Int, zDim: Int) -> [Double] {
        GaussianStream(seed: seed).vector(stream: candidateStream(j), index: k, count: zDim)
    }

    /// Four component pairs of source vector `index` of `stream`, as ``GaussianStream/normalPairs(stream:index:firstPair:)``
    /// lays them out; fixed vectors come from the chooser (components past the end are 0).
    @usableFromInline
    func sourcePairs(stream: UInt32, index: Int64, firstPair: Int) -> (even: SIMD4<Double>, odd: SIMD4<Double>) {
        guard stream == Self.fixedStream, let chooser else {
            return gaussian.normalPairs(stream: stream, index: index, firstPair: firstPair)
        }
        let vector = chooser.fixedVectors[Int(index)]
        var even = SIMD4<Double>(), odd = SIMD4<Double>()
        for lane in 0..<4 {
            let component = 2 * (firstPair + lane)
            if component < vector.count { even[lane] = vector[component] }
            if component + 1 < vector.count { odd[lane] = vector[component + 1] }
        }
        return (even, odd)
    }

    /// Source vector `index` of `stream`, `zDim` components (allocates; for velocities and `keyframe(_:)`).
    func sourceVector(stream: UInt32, index: Int64) -> [Double] {
        if stream == Self.fixedStream, let chooser { return chooser.fixedVectors[Int(index)] }
        return gaussian.vector(stream: stream, index: index, count: zDim)
    }

    /// Replaces the plain keyframes of `plan` by the chooser's choices.
    @usableFromInline
    func steer(_ plan: Blend) -> Blend {
        guard let chooser else { return plan }
        var plan = plan
        for j in 0..<4 where plan.stream[j] == Self.keyframeStream {
            switch chooser.choice(forKeyframe: plan.index[j]) {
            case let .candidate(c):
                plan.stream[j] = Self.candidateStream(c)
            case let .fixed(i):
                plan.stream[j] = Self.fixedStream
                plan.index[j] = Int64(i)
            }
        }
        return plan
    }
}
