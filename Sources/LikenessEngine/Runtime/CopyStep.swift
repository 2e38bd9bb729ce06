import Foundation

// MARK: - Strided copy descriptor

/// A copy of an `extent`-shaped block between two strided views; covers Slice, Split, Concat,
/// Transpose and Expand (a zero source stride repeats).
struct CopyDescriptor: Equatable, Sendable {
    var extent: [Int]
    var sourceOffset: Int
    var sourceStrides: [Int]
    var destinationOffset: Int
    var destinationStrides: [Int]

    /// Merges adjacent axes that are contiguous on both sides, and drops size-1 axes.
    func simplified() -> CopyDescriptor {
        var e: [Int] = [], s: [Int] = [], d: [Int] = []
        for i in 0..<extent.count where extent[i] != 1 {
            if let last = e.indices.last, s[last] == sourceStrides[i] * extent[i], d[last] == destinationStrides[i] * extent[i] {
                e[last] *= extent[i]
                s[last] = sourceStrides[i]
                d[last] = destinationStrides[i]
            } else {
                e.append(extent[i]); s.append(sourceStrides[i]); d.append(destinationStrides[i])
            }
        }
        if e.isEmpty { e = [1]; s = [1]; d = [1] }
        return CopyDescriptor(extent: e, sourceOffset: sourceOffset, sourceStrides: s, destinationOffset: destinationOffset, destinationStrides: d)
    }
}
// MARK: - Copies

/// Strided copies between buffers: Slice, Split, Concat, Transpose, Expand.
final class CopyStep: Step {
    struct Piece {
        var sourceID: Int
        var destinationID: Int
        var copy: CopyDescriptor
        var source = UnsafeMutablePointer<Float>(bitPattern: 16)!
        var destination = UnsafeMutablePointer<Float>(bitPattern: 16)!
    }
    var pieces: [Piece]

    init(name: String, opType: String, pieces: [(source: Int, destination: Int, copy: CopyDescriptor)]) {
        self.pieces = pieces.map { Piece(sourceID: $0.source, destinationID: $0.destination, copy: $0.copy.simplified()) }
        super.init(name: name, opType: opType)
    }

    override var reads: [Int] { pieces.map(\.sourceID) }
    override var writes: [Int] { pieces.map(\.destinationID) }

    override func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        super.bind(resolve)
        for i in pieces.indices {
            pieces[i].source = resolve(pieces[i].sourceID)
            pieces[i].destination = resolve(pieces[i].destinationID)
        }
    }

    override func run(part: Int, of parts: Int) {
        for i in 0..<pieces.count {
            let p = pieces[i]
            CopyStep.copy(p.copy, from: p.source, to: p.destination)
        }
    }

    /// Executes one descriptor: an odometer over the outer axes, a tight loop on the last.
    static func copy(_ c: CopyDescriptor, from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
        let rank = c.extent.count
        let inner = c.extent[rank - 1], si = c.sourceStrides[rank - 1], di = c.destinationStrides[rank - 1]
        var outer = 1
        for k in 0..<(rank - 1) { outer *= c.extent[k] }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(rank, 1)) { index in
            index.initialize(repeating: 0)
            for _ in 0..<outer {
                var s = c.sourceOffset, d = c.destinationOffset
                for k in 0..<(rank - 1) { s += index[k] * c.sourceStrides[k]; d += index[k] * c.destinationStrides[k] }
                let src = source + s, dst = destination + d
                if si == 1 && di == 1 {
                    dst.update(from: src, count: inner)
                } else if si == 0 && di == 1 {
                    dst.update(repeating: src[0], count: inner)
                } else {
                    for i in 0..<inner { dst[i * di] = src[i * si] }
                }
                var k = rank - 2
                while k >= 0 { index[k] += 1; if index[k] < c.extent[k] { break }; index[k] = 0; k -= 1 }
            }
        }
    }
}
