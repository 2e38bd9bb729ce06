// MARK: - OwnedFloats

/// Weights or tables owned by a step: allocated once at load, never resized.
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.initialize(from: base, count: count) }
        }
    }

    deinit { pointer.deallocate() }
}
