import Testing
import LikenessKernels

@Suite("RowDots: the lineage lookup's dot products")
struct RowDotsTests {
    @Test("fast = reference within 1e-7 normalised MSE", arguments: [(1, 1), (5, 7), (33, 8), (1085, 128), (10, 131)])
    func matchesReference(count: Int, dimension: Int) {
        var random = TestRandom(seed: UInt64(count * 1000 + dimension))
        let rows = random.floats(count * dimension), query = random.floats(dimension)
        var fast = [Float](repeating: .nan, count: count), slow = [Float](repeating: .nan, count: count)
        rows.withUnsafeBufferPointer { r in query.withUnsafeBufferPointer { q in
            fast.withUnsafeMutableBufferPointer { RowDots.compute(rows: r.baseAddress!, count: count, dimension: dimension, query: q.baseAddress!, into: $0.baseAddress!) }
            slow.withUnsafeMutableBufferPointer { RowDots.reference(rows: r.baseAddress!, count: count, dimension: dimension, query: q.baseAddress!, into: $0.baseAddress!) }
        } }
        let error = zip(fast, slow).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let energy = max(slow.map { $0 * $0 }.reduce(0, +), 1e-12)
        #expect(error / energy <= 1e-7, "normalised MSE \(error / energy)")
    }
}
