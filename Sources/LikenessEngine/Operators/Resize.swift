import Foundation
import LikenessKernels

// MARK: - Resize

/// Resize (opset 11+: roi, scales or sizes as constants) and the older Upsample on [N, C, H, W]:
/// nearest, linear or cubic, with every ONNX coordinate transform but `tf_crop_and_resize`.
/// Index and weight tables are built at load (``ResizeTables``); one ``ResizeStep``.
enum Resize: OperatorDefinition {
    static let opTypes = ["Resize", "Upsample"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let (scales, sizes) = resizeInputs(node, inputs)
        return [reference(x, try ResizeTables(node: node, input: x.shape, scales: scales, sizes: sizes))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        var constants: [Tensor?] = [nil]
        for i in 1..<max(node.inputs.count, 1) {
            guard let input = node.input(i) else { constants.append(nil); continue }
            guard let c = lowering.constantValue(input) else { throw node.shapeError("roi, scales and sizes must be constants") }
            constants.append(c)
        }
        let (scales, sizes) = resizeInputs(node, constants)
        let tables = try ResizeTables(node: node, input: try lowering.shape(of: name, node), scales: scales, sizes: sizes)
        let inputBuffer = try lowering.buffer(of: name, node)
        let outBuffer = try lowering.newOutput(tables.outputShape, node)
        lowering.append(ResizeStep(name: node.label, opType: node.opType, tables: tables, inputID: inputBuffer, outputID: outBuffer, parts: lowering.parts))
        lowering.defineRuntime(node.outputs[0], shape: tables.outputShape, buffer: outBuffer)
    }

    static func resizeInputs(_ node: Node, _ inputs: [Tensor?]) -> (scales: [Float]?, sizes: [Int]?) {
        if node.opType == "Upsample" {
            return (node.floats("scales") ?? (inputs.count > 1 ? inputs[1]?.floats : nil), nil)
        }
        let scales = inputs.count > 2 ? inputs[2]?.floats : nil
        let sizes = inputs.count > 3 ? inputs[3]?.ints : nil
        return (scales, sizes)
    }

    /// The naive reference: every output pixel from its taps and weights (cubic in Double).
    static func reference(_ x: Tensor, _ t: ResizeTables) -> Tensor {
        let v = x.floats
        let (n, c, h, w) = (t.inputShape[0], t.inputShape[1], t.inputShape[2], t.inputShape[3])
        let (oh, ow) = (t.outputShape[2], t.outputShape[3])
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        if t.cubic {
            for plane in 0..<(n * c) { for oy in 0..<oh { for ox in 0..<ow {
                var acc: Double = 0
                for i in 0..<4 { for j in 0..<4 {
                    acc += Double(t.yWeights[4 * oy + i]) * Double(t.xWeights[4 * ox + j])
                        * Double(v[(plane * h + t.yTaps[4 * oy + i]) * w + t.xTaps[4 * ox + j]])
                } }
                out[(plane * oh + oy) * ow + ox] = Float(acc)
            } } }
            return Tensor(shape: t.outputShape, floats: out)
        }
        for plane in 0..<(n * c) {
            for oy in 0..<oh { for ox in 0..<ow {
                let p = plane * h * w
                let a = v[p + t.y0[oy] * w + t.x0[ox]], b = v[p + t.y0[oy] * w + t.x1[ox]]
                let cc = v[p + t.y1[oy] * w + t.x0[ox]], d = v[p + t.y1[oy] * w + t.x1[ox]]
                let top = a + (b - a) * t.wx[ox], bottom = cc + (d - cc) * t.wx[ox]
                out[(plane * oh + oy) * ow + ox] = t.linear ? top + (bottom - top) * t.wy[oy] : a
            } }
        }
        return Tensor(shape: t.outputShape, floats: out)
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

// MARK: - Resize

/// Nearest or bilinear resize of [N, C, H, W] through precomputed index tables.
final class ResizeStep: SingleInputStep {
    let t: ResizeTables
    let y0: [Int], y1: [Int], x0: [Int], x1: [Int], wy: [Float], wx: [Float]
    /// True for an exact nearest 2x upsample (every source pixel duplicated 2x2).
    let isDouble: Bool
    /// Floats of one horizontally resized input row in scratch (bilinear; two per thread).
    let rowScratch: Int

    init(name: String, opType: String, tables: ResizeTables, inputID: Int, outputID: Int, parts: Int) {
        t = tables
        y0 = t.y0; y1 = t.y1; x0 = t.x0; x1 = t.x1; wy = t.wy; wx = t.wx
        isDouble = !t.linear && t.outputShape[2] == 2 * t.inputShape[2] && t.outputShape[3] == 2 * t.inputShape[3]
            && t.y0 == (0..<t.outputShape[2]).map { $0 / 2 } && t.x0 == (0..<t.outputShape[3]).map { $0 / 2 }
        rowScratch = t.linear && !t.cubic ? Step.cacheLines(t.outputShape[3]) : 0
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = Double(t.outputShape.reduce(1, *)) * (t.cubic ? 16 : t.linear ? 6 : 0)
        parallel = parts > 1 && t.outputShape.reduce(1, *) >= 32768
        scratchCount = 2 * rowScratch * max(parts, 1)
    }

    override func run(part: Int, of parts: Int) {
        if t.linear && !t.cubic { runLinear(part: part, of: parts); return }
        let h = t.inputShape[2], w = t.inputShape[3], oh = t.outputShape[2], ow = t.outputShape[3]
        for plane in Step.range(t.inputShape[0] * t.inputShape[1], part: part, of: parts) {
            let src = input + plane * h * w, dst = output + plane * oh * ow
            if t.cubic {
                // Separable: four source rows blended per output row, then four columns per output.
                t.yTaps.withUnsafeBufferPointer { yt in t.yWeights.withUnsafeBufferPointer { yw in
                t.xTaps.withUnsafeBufferPointer { xt in t.xWeights.withUnsafeBufferPointer { xw in
                    for oy in 0..<oh {
                        let r0 = src + yt[4 * oy] * w, r1 = src + yt[4 * oy + 1] * w
                        let r2 = src + yt[4 * oy + 2] * w, r3 = src + yt[4 * oy + 3] * w
                        let (a0, a1, a2, a3) = (yw[4 * oy], yw[4 * oy + 1], yw[4 * oy + 2], yw[4 * oy + 3])
                        let out = dst + oy * ow
                        for ox in 0..<ow {
                            var acc: Float = 0
                            for j in 0..<4 {
                                let x = xt[4 * ox + j]
                                acc += xw[4 * ox + j] * (a0 * r0[x] + a1 * r1[x] + a2 * r2[x] + a3 * r3[x])
                            }
                            out[ox] = acc
                        }
                    }
                } } } }
                continue
            }
            y0.withUnsafeBufferPointer { y0 in x0.withUnsafeBufferPointer { x0 in
                if isDouble {
                    for iy in 0..<h {
                        let row = src + iy * w, out = dst + 2 * iy * ow
                        for ix in 0..<w { let v = row[ix]; out[2 * ix] = v; out[2 * ix + 1] = v }
                        (out + ow).update(from: out, count: ow)
                    }
                } else if !t.linear {
                    for oy in 0..<oh {
                        let row = src + y0[oy] * w, out = dst + oy * ow
                        for ox in 0..<ow { out[ox] = row[x0[ox]] }
                    }
                } else {
                    y1.withUnsafeBufferPointer { y1 in x1.withUnsafeBufferPointer { x1 in
                    wy.withUnsafeBufferPointer { wy in wx.withUnsafeBufferPointer { wx in
                        for oy in 0..<oh {
                            let r0 = src + y0[oy] * w, r1 = src + y1[oy] * w, out = dst + oy * ow
                            let fy = wy[oy]
                            for ox in 0..<ow {
                                let a = r0[x0[ox]], b = r0[x1[ox]], c = r1[x0[ox]], d = r1[x1[ox]]
                                let top = a + (b - a) * wx[ox], bottom = c + (d - c) * wx[ox]
                                out[ox] = top + (bottom - top) * fy
                            }
                        }
                    } }
                    } }
                }
            } }
        }
    }

    /// Bilinear, separable: every input row a thread's output rows read is resized horizontally once
    /// (into one of two rows of scratch, reused while consecutive output rows read it), then each
    /// output row is the vertical blend of two such rows, 16 lanes at a time. The threads split the
    /// output rows of all planes (not the planes: a picture has 3). Same operations, in the same
    /// order, as blending the four neighbours of every output.
    private func runLinear(part: Int, of parts: Int) {
        let h = t.inputShape[2], w = t.inputShape[3], oh = t.outputShape[2], ow = t.outputShape[3]
        let rowsAll = t.inputShape[0] * t.inputShape[1] * oh
        let mine = Step.range(rowsAll, part: part, of: parts)
        if mine.isEmpty { return }
        let slots = scratch + part * 2 * rowScratch
        // Which input row (plane · h + iy) each slot holds; -1: none.
        var held0 = -1, held1 = -1
        y0.withUnsafeBufferPointer { y0 in y1.withUnsafeBufferPointer { y1 in wy.withUnsafeBufferPointer { wy in
        x0.withUnsafeBufferPointer { x0 in x1.withUnsafeBufferPointer { x1 in wx.withUnsafeBufferPointer { wx in
            // (No local function: one capturing these vars may allocate a box in a debug build.)
            var top = slots, bottom = slots
            for r in mine {
                let plane = r / oh, oy = r % oh
                let k0 = plane * h + y0[oy], k1 = plane * h + y1[oy]
                // Row k0, then row k1, from the slot that holds it, else resized into a slot that
                // does not hold the other.
                for index in 0..<2 {
                    let key = index == 0 ? k0 : k1
                    var slot: UnsafeMutablePointer<Float>
                    if held0 == key {
                        slot = slots
                    } else if held1 == key {
                        slot = slots + rowScratch
                    } else {
                        let useFirst = index == 0 ? held0 != k1 : held0 != k0
                        slot = useFirst ? slots : slots + rowScratch
                        if useFirst { held0 = key } else { held1 = key }
                        if let x0 = x0.baseAddress, let x1 = x1.baseAddress, let wx = wx.baseAddress {
                            PixelShuffleUpscale.resizeRow(input + key * w, into: slot, outputWidth: ow, x0: x0, x1: x1, wx: wx)
                        }
                    }
                    if index == 0 { top = slot } else { bottom = slot }
                }
                let out = output + r * ow
                let fy = wy[oy], f = SIMD16<Float>(repeating: fy)
                let rt = UnsafeRawPointer(top), rb = UnsafeRawPointer(bottom), ro = UnsafeMutableRawPointer(out)
                var x = 0
                while x + 16 <= ow {
                    let a = rt.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                    let b = rb.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<Float>.self)
                    ro.storeBytes(of: a + (b - a) * f, toByteOffset: x * 4, as: SIMD16<Float>.self)
                    x += 16
                }
                while x < ow { out[x] = top[x] + (bottom[x] - top[x]) * fy; x += 1 }
            }
        } } } } } }
    }
}
