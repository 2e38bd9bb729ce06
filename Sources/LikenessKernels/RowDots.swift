// MARK: - RowDots

/// Dot products of every row of a row-major matrix with one vector (a lineage lookup: 1,085 faces × 128
/// numbers), compiled optimised in every configuration like the rest of this module.
public enum RowDots {
    /// `out[r] = Σ_j rows[r · dimension + j] · query[j]` for `r` in `0 ..< count`.
    // rows [count, dimension], query [dimension], out [count]
    public static func compute(rows: UnsafePointer<Float>, count: Int, dimension: Int, query: UnsafePointer<Float>,
                               into out: UnsafeMutablePointer<Float>) {
        let blocks = dimension / 8
        for r in 0..<count {
            let row = rows + r * dimension
            var acc = SIMD8<Float>()
            for b in 0..<blocks {
                let x = UnsafeRawPointer(row + 8 * b).loadUnaligned(as: SIMD8<Float>.self)
                let y = UnsafeRawPointer(query + 8 * b).loadUnaligned(as: SIMD8<Float>.self)
                acc += x * y  // not fused: the same bits with or without FMA
            }
            var sum = acc.sum()
            for j in (8 * blocks)..<dimension { sum += row[j] * query[j] }
            out[r] = sum
        }
    }

    /// The naive reference.
    public static func reference(rows: UnsafePointer<Float>, count: Int, dimension: Int, query: UnsafePointer<Float>,
                                 into out: UnsafeMutablePointer<Float>) {
        for r in 0..<count {
            var sum: Float = 0
            for j in 0..<dimension { sum += rows[r * dimension + j] * query[j] }
            out[r] = sum
        }
    }
}
