// MARK: - DepthToSpace

/// DepthToSpace (pixel shuffle): [N, C·b², H, W] → [N, C, H·b, W·b], in DCR or CRD order.
///
/// DCR (the default) reads the input as [N, b, b, C, H, W], CRD (PyTorch's `PixelShuffle`) as
/// [N, C, b, b, H, W]; either way the output is the transpose [N, C, H, b, W, b]. Lowered to one
/// strided copy; no arithmetic.
enum DepthToSpace: RearrangingOperator {
    static let opTypes = ["DepthToSpace"]

    /// Output shape and the copy that performs it on a contiguous input.
    static func copy(_ node: Node, input x: [Int]) throws(EngineError) -> ([Int], CopyDescriptor) {
        guard x.count == 4 else { throw node.shapeError("only [N, C, H, W] inputs are supported, got \(x)") }
        let b = node.int("blocksize", default: 0)
        guard b >= 1, b <= 64 else { throw node.attributeError("blocksize \(b) must be between 1 and 64") }
        let mode = node.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw node.attributeError("mode '\(mode)' (supported: DCR, CRD)") }
        let (n, c, h, w) = (x[0], x[1], x[2], x[3])
        guard c % (b * b) == 0 else { throw node.shapeError("\(c) channels are not a multiple of blocksize² = \(b * b)") }
        let co = c / (b * b)
        let plane = h * w
        // Source strides of the axes (N, C', H, b1, W, b2).
        let sN = c * plane, sH = w, sW = 1
        let (sC, sB1, sB2) = mode == "DCR" ? (plane, b * co * plane, co * plane) : (b * b * plane, b * plane, plane)
        let extent = [n, co, h, b, w, b]
        let out = [n, co, h * b, w * b]
        return (out, CopyDescriptor(extent: extent, sourceOffset: 0, sourceStrides: [sN, sC, sH, sB1, sW, sB2],
                                    destinationOffset: 0, destinationStrides: ShapeMath.strides(extent)))
    }
}

// MARK: - SpaceToDepth

/// SpaceToDepth: [N, C, H·b, W·b] → [N, C·b², H, W], the inverse of DCR DepthToSpace.
enum SpaceToDepth: RearrangingOperator {
    static let opTypes = ["SpaceToDepth"]

    static func copy(_ node: Node, input x: [Int]) throws(EngineError) -> ([Int], CopyDescriptor) {
        guard x.count == 4 else { throw node.shapeError("only [N, C, H, W] inputs are supported, got \(x)") }
        let b = node.int("blocksize", default: 0)
        guard b >= 1, b <= 64 else { throw node.attributeError("blocksize \(b) must be between 1 and 64") }
        let (n, c, h, w) = (x[0], x[1], x[2], x[3])
        guard h % b == 0, w % b == 0 else { throw node.shapeError("height \(h) and width \(w) must be multiples of blocksize \(b)") }
        let (ho, wo) = (h / b, w / b)
        // Output axes (N, b1, b2, C, H', W') read from the input [N, C, H', b1, W', b2].
        let extent = [n, b, b, c, ho, wo]
        let sourceStrides = [c * h * w, w, 1, h * w, b * w, b]
        return ([n, c * b * b, ho, wo], CopyDescriptor(extent: extent, sourceOffset: 0, sourceStrides: sourceStrides,
                                                       destinationOffset: 0, destinationStrides: ShapeMath.strides(extent)))
    }
}
