// MARK: - Operators

/// The operators the engine runs, and those it only folds to constants.
enum Operators {
    /// Operators that may run on live (latent-dependent) values.
    static let runtime: Set<String> = [
        "Conv", "ConvTranspose", "Gemm", "MatMul",
        "BatchNormalization", "InstanceNormalization",
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Softplus", "Neg", "Exp", "Sqrt", "Abs",
        "Add", "Sub", "Mul", "Div", "Pow", "Min", "Max",
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast",
        "Split", "Slice", "Concat", "Transpose", "Expand",
        "Resize", "Upsample", "GlobalAveragePool", "AveragePool", "MaxPool",
    ]
    /// Operators that are only accepted when all their inputs are constants (shape arithmetic).
    static let foldOnly: Set<String> = [
        "Constant", "Shape", "Gather", "ConstantOfShape", "Range", "Floor", "Ceil", "Equal", "Where", "Size",
        "Mod",
    ]
    static let supported: [String] = (runtime.union(foldOnly).union(OperatorRegistry.opTypes)).sorted()
}

// MARK: - Activation

/// An elementwise activation fused into the epilogue of a producing kernel.
enum Activation: Equatable, Sendable {
    case none
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    case clip(min: Float, max: Float)

    /// Maps a unary ONNX node to an activation, if it is one the kernels can fuse.
    static func fusable(_ node: Node, constants: (String) -> Tensor?) -> Activation? {
        switch node.opType {
        case "Relu": return .relu
        case "LeakyRelu": return .leakyRelu(alpha: node.float("alpha", default: 0.01))
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "Clip":
            var lo = -Float.greatestFiniteMagnitude, hi = Float.greatestFiniteMagnitude
            if let v = node.floats("min")?.first { lo = v }
            if let v = node.floats("max")?.first { hi = v }
            if let name = node.input(1) {
                guard let t = constants(name), t.count == 1 else { return nil }
                lo = t.floats[0]
            }
            if let name = node.input(2) {
                guard let t = constants(name), t.count == 1 else { return nil }
                hi = t.floats[0]
            }
            return .clip(min: lo, max: hi)
        default: return nil
        }
    }

    /// The scalar definition (the reference for the SIMD kernels).
    @inlinable func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return x > 0 ? x : 0
        case .leakyRelu(let a): return x >= 0 ? x : x * a
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .clip(let lo, let hi): return Swift.min(Swift.max(x, lo), hi)
        }
    }
}

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

// MARK: - Convolution parameters

/// Geometry of a 2-D Conv or ConvTranspose, validated at load.
///
/// Conv: input [N, C, H, W], weight [M, C/group, kH, kW], output [N, M, OH, OW].
/// ConvTranspose: input [N, C, H, W], weight [C, M/group, kH, kW], output [N, M, OH, OW].
struct ConvGeometry: Equatable, Sendable {
    var batch: Int
    var inputChannels: Int
    var outputChannels: Int
    var inputHeight: Int, inputWidth: Int
    var outputHeight: Int, outputWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideY: Int, strideX: Int
    var padTop: Int, padLeft: Int
    var dilationY: Int, dilationX: Int
    var groups: Int

    var outputShape: [Int] { [batch, outputChannels, outputHeight, outputWidth] }
    var inputChannelsPerGroup: Int { inputChannels / groups }
    var outputChannelsPerGroup: Int { outputChannels / groups }
    /// Multiply-adds ×2 per image.
    var flopsPerImage: Double {
        let convolutionPositions = Double(transposed ? inputHeight * inputWidth : outputHeight * outputWidth)
        return 2 * Double(inputChannelsPerGroup) * Double(outputChannels) * Double(kernelHeight * kernelWidth) * convolutionPositions
    }
    var transposed: Bool

    init(node: Node, input: [Int], weight: [Int], transposed: Bool) throws(EngineError) {
        func fail(_ detail: String) -> EngineError { .shapeMismatch(node: node.label, op: node.opType, detail: detail) }
        guard input.count == 4 else { throw fail("only 2-D convolutions are supported, input shape is \(input)") }
        guard weight.count == 4 else { throw fail("weight shape \(weight) is not 4-D") }
        let groups = node.int("group", default: 1)
        guard groups >= 1 else { throw .badAttribute(node: node.label, op: node.opType, detail: "group \(groups)") }
        self.transposed = transposed
        self.groups = groups
        batch = input[0]
        inputChannels = input[1]
        inputHeight = input[2]
        inputWidth = input[3]
        kernelHeight = weight[2]
        kernelWidth = weight[3]
        if let ks = node.ints("kernel_shape"), ks != [kernelHeight, kernelWidth] {
            throw fail("kernel_shape \(ks) does not match weight \(weight)")
        }
        if transposed {
            guard weight[0] == inputChannels else { throw fail("weight \(weight) expects \(weight[0]) input channels, input has \(inputChannels)") }
            outputChannels = weight[1] * groups
        } else {
            guard weight[1] * groups == inputChannels else { throw fail("weight \(weight) with group \(groups) expects \(weight[1] * groups) input channels, input has \(inputChannels)") }
            outputChannels = weight[0]
        }
        guard inputChannels % groups == 0, outputChannels % groups == 0 else { throw fail("channels not divisible by group \(groups)") }
        let strides = node.ints("strides") ?? [1, 1]
        let dilations = node.ints("dilations") ?? [1, 1]
        var pads = node.ints("pads") ?? [0, 0, 0, 0]
        guard strides.count == 2, dilations.count == 2, pads.count == 4,
              strides.allSatisfy({ $0 >= 1 && $0 <= 64 }), dilations.allSatisfy({ $0 >= 1 && $0 <= 64 }),
              pads.allSatisfy({ $0 >= 0 && $0 <= 4096 }), kernelHeight >= 1, kernelWidth >= 1
        else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "strides \(strides), dilations \(dilations), pads \(pads) are invalid or not 2-D")
        }
        strideY = strides[0]; strideX = strides[1]
        dilationY = dilations[0]; dilationX = dilations[1]
        let extentY = (kernelHeight - 1) * dilationY + 1
        let extentX = (kernelWidth - 1) * dilationX + 1
        let autoPad = node.string("auto_pad", default: "NOTSET")
        if transposed {
            let outputPadding = node.ints("output_padding") ?? [0, 0]
            guard outputPadding.count == 2, outputPadding.allSatisfy({ $0 >= 0 && $0 < 64 }) else {
                throw .badAttribute(node: node.label, op: node.opType, detail: "output_padding \(outputPadding)")
            }
            let full = [strideY * (inputHeight - 1) + outputPadding[0] + extentY,
                        strideX * (inputWidth - 1) + outputPadding[1] + extentX]
            var target: [Int]? = node.ints("output_shape").map { Array($0.suffix(2)) }
            if target == nil, autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                target = [inputHeight * strideY, inputWidth * strideX]
            }
            if let target {
                for axis in 0..<2 {
                    let total = full[axis] - target[axis]
                    guard total >= 0 else { throw fail("output_shape \(target) is larger than the full output \(full)") }
                    if autoPad == "SAME_UPPER" {
                        pads[axis] = total / 2; pads[axis + 2] = total - total / 2
                    } else {
                        pads[axis] = total - total / 2; pads[axis + 2] = total / 2
                    }
                }
            } else if autoPad == "VALID" {
                pads = [0, 0, 0, 0]
            }
            outputHeight = full[0] - pads[0] - pads[2]
            outputWidth = full[1] - pads[1] - pads[3]
        } else {
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let outs = [(inputHeight + strideY - 1) / strideY, (inputWidth + strideX - 1) / strideX]
                let extents = [extentY, extentX], ins = [inputHeight, inputWidth], ss = [strideY, strideX]
                for axis in 0..<2 {
                    let total = max(0, (outs[axis] - 1) * ss[axis] + extents[axis] - ins[axis])
                    if autoPad == "SAME_UPPER" {
                        pads[axis] = total / 2; pads[axis + 2] = total - total / 2
                    } else {
                        pads[axis] = total - total / 2; pads[axis + 2] = total / 2
                    }
                }
            case "VALID": pads = [0, 0, 0, 0]
            default: break
            }
            outputHeight = (inputHeight + pads[0] + pads[2] - extentY) / strideY + 1
            outputWidth = (inputWidth + pads[1] + pads[3] - extentX) / strideX + 1
            guard inputHeight + pads[0] + pads[2] >= extentY, inputWidth + pads[1] + pads[3] >= extentX else {
                throw fail("kernel \(kernelHeight)x\(kernelWidth) is larger than the padded input \(inputHeight)x\(inputWidth)")
            }
        }
        padTop = pads[0]; padLeft = pads[1]
        guard outputHeight >= 1, outputWidth >= 1 else { throw fail("output would be \(outputHeight)x\(outputWidth)") }
        _ = try Limits.elementCount(outputShape, what: "\(node.opType) '\(node.label)' output")
    }
}

// MARK: - Pooling parameters

/// Geometry of AveragePool / MaxPool / GlobalAveragePool on [N, C, H, W].
struct PoolGeometry: Equatable, Sendable {
    var batch: Int, channels: Int
    var inputHeight: Int, inputWidth: Int
    var outputHeight: Int, outputWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideY: Int, strideX: Int
    var padTop: Int, padLeft: Int
    var countIncludePad: Bool
    var isMax: Bool

    var outputShape: [Int] { [batch, channels, outputHeight, outputWidth] }

    init(node: Node, input: [Int]) throws(EngineError) {
        guard input.count == 4 else {
            throw .shapeMismatch(node: node.label, op: node.opType, detail: "only 2-D pooling is supported, input shape is \(input)")
        }
        batch = input[0]; channels = input[1]; inputHeight = input[2]; inputWidth = input[3]
        isMax = node.opType == "MaxPool"
        if node.opType == "GlobalAveragePool" {
            kernelHeight = inputHeight; kernelWidth = inputWidth
            strideY = 1; strideX = 1; padTop = 0; padLeft = 0
            outputHeight = 1; outputWidth = 1; countIncludePad = false
            return
        }
        guard let kernel = node.ints("kernel_shape"), kernel.count == 2, kernel.allSatisfy({ $0 >= 1 }) else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "needs a 2-D kernel_shape")
        }
        let strides = node.ints("strides") ?? [1, 1]
        let pads = node.ints("pads") ?? [0, 0, 0, 0]
        guard strides.count == 2, strides.allSatisfy({ $0 >= 1 }), pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 < kernel.max()! }) || pads.allSatisfy({ $0 == 0 }) else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "strides \(strides) / pads \(pads) invalid")
        }
        if node.int("ceil_mode", default: 0) != 0 || (node.ints("dilations") ?? [1, 1]) != [1, 1] || node.string("auto_pad", default: "NOTSET") != "NOTSET" {
            throw .badAttribute(node: node.label, op: node.opType, detail: "ceil_mode, dilations and auto_pad are not supported")
        }
        kernelHeight = kernel[0]; kernelWidth = kernel[1]
        strideY = strides[0]; strideX = strides[1]
        padTop = pads[0]; padLeft = pads[1]
        countIncludePad = node.int("count_include_pad", default: 0) != 0
        outputHeight = (inputHeight + pads[0] + pads[2] - kernelHeight) / strideY + 1
        outputWidth = (inputWidth + pads[1] + pads[3] - kernelWidth) / strideX + 1
        guard outputHeight >= 1, outputWidth >= 1 else {
            throw .shapeMismatch(node: node.label, op: node.opType, detail: "kernel larger than input \(input)")
        }
    }
}

// MARK: - Resize parameters

/// Index tables for Resize / Upsample on the last two axes of [N, C, H, W].
///
/// For each output row / column: the two source indices and the weight of the second
/// (nearest mode uses only the first index with weight 0).
struct ResizeTables: Equatable, Sendable {
    var inputShape: [Int]
    var outputShape: [Int]
    var linear: Bool
    var y0: [Int], y1: [Int], wy: [Float]
    var x0: [Int], x1: [Int], wx: [Float]
    /// Cubic mode (Keys's convolution, `cubic_coeff_a`): four source indices and weights per output
    /// row / column (`yTaps[4·oy + i]`), indices clamped to the edge; empty otherwise.
    var cubic = false
    var yTaps: [Int] = [], yWeights: [Float] = []
    var xTaps: [Int] = [], xWeights: [Float] = []

    init(node: Node, input: [Int], scales: [Float]?, sizes: [Int]?) throws(EngineError) {
        func fail(_ detail: String) -> EngineError { .badAttribute(node: node.label, op: node.opType, detail: detail) }
        guard input.count == 4 else {
            throw EngineError.shapeMismatch(node: node.label, op: node.opType, detail: "only [N, C, H, W] inputs are supported, got \(input)")
        }
        inputShape = input
        var out = input
        var sc: [Float] = [1, 1, 1, 1]
        if let sizes, !sizes.isEmpty {
            guard sizes.count == 4 else { throw fail("sizes \(sizes) must have 4 entries") }
            out = sizes
            for i in 0..<4 { sc[i] = Float(sizes[i]) / Float(max(input[i], 1)) }
        } else if let scales, !scales.isEmpty {
            guard scales.count == 4, scales.allSatisfy({ $0 > 0 && $0 <= 1024 }) else { throw fail("scales \(scales) must be 4 positive values") }
            sc = scales
            for i in 0..<4 { out[i] = Int((Float(input[i]) * scales[i]).rounded(.down)) }
        } else {
            throw fail("needs scales or sizes")
        }
        guard out[0] == input[0], out[1] == input[1] else { throw fail("resizing the batch or channel axis is not supported") }
        guard out[2] >= 1, out[3] >= 1 else { throw fail("output size \(out) is empty") }
        _ = try Limits.elementCount(out, what: "\(node.opType) '\(node.label)' output")
        outputShape = out
        let mode = node.string("mode", default: "nearest")
        let isLinear: Bool
        switch mode {
        case "nearest": isLinear = false
        case "linear", "bilinear": isLinear = true
        case "cubic": isLinear = false; cubic = true
        default: throw fail("mode '\(mode)' (supported: nearest, linear, cubic)")
        }
        if node.int("antialias", default: 0) != 0 { throw fail("antialias is not supported") }
        if let axes = node.ints("axes"), axes != [0, 1, 2, 3] { throw fail("axes \(axes) are not supported") }
        linear = isLinear
        let defaultTransform = node.opType == "Upsample" ? "asymmetric" : "half_pixel"
        let transform = node.string("coordinate_transformation_mode", default: defaultTransform)
        let nearestMode = node.string("nearest_mode", default: "round_prefer_floor")
        guard ["half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nearest"].contains(transform) else {
            throw fail("coordinate_transformation_mode '\(transform)' is not supported")
        }
        guard ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].contains(nearestMode) else {
            throw fail("nearest_mode '\(nearestMode)' is not supported")
        }
        /// The source coordinate of output index `o` under the coordinate transformation mode.
        func sourceCoordinate(_ o: Int, inSize: Int, outSize: Int, scale: Float) -> Float {
            switch transform {
            case "half_pixel": return (Float(o) + 0.5) / scale - 0.5
            case "pytorch_half_pixel": return outSize > 1 ? (Float(o) + 0.5) / scale - 0.5 : 0
            case "align_corners": return outSize > 1 ? Float(o) * Float(inSize - 1) / Float(outSize - 1) : 0
            case "tf_half_pixel_for_nearest": return (Float(o) + 0.5) / scale
            default: return Float(o) / scale
            }
        }
        func table(inSize: Int, outSize: Int, scale: Float) -> ([Int], [Int], [Float]) {
            var i0 = [Int](repeating: 0, count: outSize), i1 = i0
            var w = [Float](repeating: 0, count: outSize)
            for o in 0..<outSize {
                let x = sourceCoordinate(o, inSize: inSize, outSize: outSize, scale: scale)
                if isLinear {
                    let clamped = min(max(x, 0), Float(inSize - 1))
                    let lo = Int(clamped.rounded(.down))
                    i0[o] = lo
                    i1[o] = min(lo + 1, inSize - 1)
                    w[o] = clamped - Float(lo)
                } else {
                    var n: Int
                    switch nearestMode {
                    case "floor": n = Int(x.rounded(.down))
                    case "ceil": n = Int(x.rounded(.up))
                    case "round_prefer_ceil": n = Int((x).rounded(.toNearestOrAwayFromZero)) ; if x == x.rounded(.down) + 0.5 { n = Int(x.rounded(.up)) }
                    default: n = x == x.rounded(.down) + 0.5 ? Int(x.rounded(.down)) : Int(x.rounded(.toNearestOrAwayFromZero))
                    }
                    n = min(max(n, 0), inSize - 1)
                    i0[o] = n; i1[o] = n
                }
            }
            return (i0, i1, w)
        }
        (y0, y1, wy) = table(inSize: input[2], outSize: out[2], scale: sc[2])
        (x0, x1, wx) = table(inSize: input[3], outSize: out[3], scale: sc[3])
        guard cubic else { return }
        let a = node.float("cubic_coeff_a", default: -0.75)
        let excludeOutside = node.int("exclude_outside", default: 0) != 0
        /// Keys's cubic convolution kernel at distance s.
        func kernel(_ s: Float) -> Float {
            let d = abs(s)
            if d <= 1 { return ((a + 2) * d - (a + 3)) * d * d + 1 }
            if d < 2 { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a }
            return 0
        }
        func cubicTable(inSize: Int, outSize: Int, scale: Float) -> ([Int], [Float]) {
            var taps = [Int](repeating: 0, count: 4 * outSize), weights = [Float](repeating: 0, count: 4 * outSize)
            for o in 0..<outSize {
                let x = sourceCoordinate(o, inSize: inSize, outSize: outSize, scale: scale)
                let base = Int(x.rounded(.down))
                let t = x - Float(base)
                var sum: Float = 0
                for i in 0..<4 {
                    let index = base - 1 + i
                    var w = kernel(t - Float(i - 1))
                    if excludeOutside && (index < 0 || index >= inSize) { w = 0 }
                    taps[4 * o + i] = min(max(index, 0), inSize - 1)
                    weights[4 * o + i] = w
                    sum += w
                }
                if excludeOutside && sum != 0 { for i in 0..<4 { weights[4 * o + i] /= sum } }
            }
            return (taps, weights)
        }
        (yTaps, yWeights) = cubicTable(inSize: input[2], outSize: out[2], scale: sc[2])
        (xTaps, xWeights) = cubicTable(inSize: input[3], outSize: out[3], scale: sc[3])
    }
}

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

/// Slice parameters (starts/ends/axes/steps) resolved against a shape.
enum SliceMath {
    /// Returns the output shape and a copy descriptor reading the slice of a contiguous `input`.
    static func slice(input: [Int], starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?, node: Node) throws(EngineError) -> ([Int], CopyDescriptor) {
        let rank = input.count
        guard starts.count == ends.count else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "starts \(starts) and ends \(ends) differ in length")
        }
        let axisList = axes ?? Array(0..<starts.count)
        let stepList = steps ?? [Int](repeating: 1, count: starts.count)
        guard axisList.count == starts.count, stepList.count == starts.count else {
            throw .badAttribute(node: node.label, op: node.opType, detail: "axes/steps lengths do not match starts")
        }
        var out = input
        var begin = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        for i in 0..<starts.count {
            let a = try ShapeMath.axis(axisList[i], rank: rank, node: node)
            let dim = input[a]
            let st = stepList[i]
            guard st != 0 else { throw .badAttribute(node: node.label, op: node.opType, detail: "step 0") }
            func clampIndex(_ v: Int, lo: Int, hi: Int) -> Int {
                let x = v < 0 ? v + dim : v
                return min(max(x, lo), hi)
            }
            let s: Int, e: Int
            if st > 0 {
                s = clampIndex(starts[i] < -dim * 2 ? -dim : starts[i], lo: 0, hi: dim)
                e = clampIndex(ends[i] < -dim * 2 ? -dim : ends[i], lo: 0, hi: dim)
                out[a] = max(0, (e - s + st - 1) / st)
            } else {
                s = clampIndex(starts[i] < -dim * 2 ? -dim : starts[i], lo: -1, hi: dim - 1)
                e = clampIndex(ends[i] < -dim * 2 ? -dim - 1 : ends[i], lo: -1, hi: dim - 1)
                out[a] = max(0, (s - e + (-st) - 1) / (-st))
            }
            begin[a] = s
            step[a] = st
        }
        let inStrides = ShapeMath.strides(input)
        var offset = 0
        var srcStrides = inStrides
        for a in 0..<rank {
            offset += begin[a] * inStrides[a]
            srcStrides[a] = inStrides[a] * step[a]
        }
        return (out, CopyDescriptor(extent: out, sourceOffset: offset, sourceStrides: srcStrides, destinationOffset: 0, destinationStrides: ShapeMath.strides(out)))
    }
}
