import Foundation

// MARK: - Shape helpers

enum ShapeMath {
    /// Normalizes a possibly negative axis against `rank`.
    static func axis(_ axis: Int, rank: Int, node: Node) throws(EngineError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "axis \(axis) out of range for rank \(rank)")
        }
        return a
    }

    /// Numpy-style broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int], node: Node) throws(EngineError) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw .shapeMismatch(node: node.label, op: node.opType, detail: "cannot broadcast \(a) with \(b)")
            }
        }
        return out
    }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Strides of `shape` broadcast to `outShape` (0 on broadcast axes), right-aligned.
    static func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
        let own = strides(shape)
        var result = [Int](repeating: 0, count: outShape.count)
        let offset = outShape.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 {
            result[i + offset] = own[i]
        }
        return result
    }

    /// The target shape of Reshape (0 copies, -1 infers).
    static func reshape(_ input: [Int], target: [Int], allowZero: Bool, node: Node) throws(EngineError) -> [Int] {
        var out = target
        var inferred: Int? = nil
        var known = 1
        for (i, d) in target.enumerated() {
            if d == 0 && !allowZero {
                guard i < input.count else {
                    throw .shapeMismatch(node: node.label, op: node.opType, detail: "0 at axis \(i) but input has rank \(input.count)")
                }
                out[i] = input[i]
            } else if d == -1 {
                guard inferred == nil else {
                    throw .shapeMismatch(node: node.label, op: node.opType, detail: "more than one -1 in target shape \(target)")
                }
                inferred = i
                continue
            } else if d < 0 {
                throw .shapeMismatch(node: node.label, op: node.opType, detail: "negative dimension in target shape \(target)")
            }
            let (p, o) = known.multipliedReportingOverflow(by: out[i])
            guard !o else { throw .tooLarge(what: "Reshape '\(node.label)'", detail: "target \(target) overflows") }
            known = p
        }
        let total = input.reduce(1, *)
        if let i = inferred {
            guard known > 0, total % known == 0 else {
                throw .shapeMismatch(node: node.label, op: node.opType, detail: "cannot reshape \(input) to \(target)")
            }
            out[i] = total / known
        }
        guard out.reduce(1, *) == total else {
            throw .shapeMismatch(node: node.label, op: node.opType, detail: "cannot reshape \(input) (\(total) elements) to \(out)")
        }
        return out
    }
}
