import Foundation

// MARK: - Pool

/// GlobalAveragePool, AveragePool and MaxPool (2-D, pads, strides, ceil_mode,
/// count_include_pad) on [N, C, H, W]; MaxPool's indices output is not supported.
enum Pool: OperatorDefinition {
    static let opTypes = ["GlobalAveragePool", "AveragePool", "MaxPool"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        return [reference(x, try PoolGeometry(node: node, input: x.shape))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        if node.outputs.count > 1, lowering.isRead(node.outputs[1]) { throw node.shapeError("MaxPool indices are not supported") }
        let g = try PoolGeometry(node: node, input: try lowering.shape(of: name, node))
        let inputBuffer = try lowering.buffer(of: name, node)
        let outBuffer = try lowering.newOutput(g.outputShape, node)
        lowering.append(PoolStep(name: node.label, opType: node.opType, geometry: g, inputID: inputBuffer, outputID: outBuffer, parts: lowering.parts))
        lowering.defineRuntime(node.outputs[0], shape: g.outputShape, buffer: outBuffer)
    }

    /// The naive reference.
    static func reference(_ x: Tensor, _ g: PoolGeometry) -> Tensor {
        let v = x.floats
        var out = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        for plane in 0..<(g.batch * g.channels) {
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                var acc: Float = g.isMax ? -.infinity : 0
                var n = 0
                for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                    let iy = oy * g.strideY - g.padTop + ky, ix = ox * g.strideX - g.padLeft + kx
                    if iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth { if g.countIncludePad { n += 1 }; continue }
                    let value = v[(plane * g.inputHeight + iy) * g.inputWidth + ix]
                    if g.isMax { acc = max(acc, value) } else { acc += value }
                    n += 1
                } }
                out[(plane * g.outputHeight + oy) * g.outputWidth + ox] = g.isMax ? acc : acc / Float(max(n, 1))
            } }
        }
        return Tensor(shape: g.outputShape, floats: out)
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

// MARK: - Pooling

/// Average or max pooling on [N, C, H, W].
final class PoolStep: SingleInputStep {
    let g: PoolGeometry

    init(name: String, opType: String, geometry: PoolGeometry, inputID: Int, outputID: Int, parts: Int) {
        g = geometry
        super.init(name: name, opType: opType, inputID: inputID, outputID: outputID)
        flops = Double(g.outputShape.reduce(1, *) * g.kernelHeight * g.kernelWidth)
        parallel = parts > 1 && g.batch * g.channels * g.inputHeight * g.inputWidth >= 8192
    }

    override func run(part: Int, of parts: Int) {
        let h = g.inputHeight, w = g.inputWidth, oh = g.outputHeight, ow = g.outputWidth
        if !g.isMax && g.padTop == 0 && g.padLeft == 0 && (oh - 1) * g.strideY + g.kernelHeight <= h && (ow - 1) * g.strideX + g.kernelWidth <= w {
            // Every window inside the input (a skip-layer excitation's pooling): no bounds per output.
            // The kH rows of a window row are summed first, 16 columns at a time (independent lanes
            // instead of one long chain of dependent adds), then kW columns per output.
            let kh = g.kernelHeight, kw = g.kernelWidth, sy = g.strideY, sx = g.strideX, count = Float(kh * kw)
            let columns = (ow - 1) * sx + kw
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns + 16) { rowSums in
                let sums = rowSums.baseAddress!
                for plane in Step.range(g.batch * g.channels, part: part, of: parts) {
                    let src = input + plane * h * w, dst = output + plane * oh * ow
                    for oy in 0..<oh {
                        let top = src + oy * sy * w
                        var x = 0
                        while x + 16 <= columns {
                            var v = UnsafeRawPointer(top + x).loadUnaligned(as: SIMD16<Float>.self)
                            for ky in 1..<max(kh, 1) { v += UnsafeRawPointer(top + ky * w + x).loadUnaligned(as: SIMD16<Float>.self) }
                            UnsafeMutableRawPointer(sums + x).storeBytes(of: v, as: SIMD16<Float>.self)
                            x += 16
                        }
                        while x < columns {
                            var v = top[x]
                            for ky in 1..<max(kh, 1) { v += top[ky * w + x] }
                            sums[x] = v
                            x += 1
                        }
                        for ox in 0..<ow {
                            var acc: Float = 0
                            for kx in 0..<kw { acc += sums[ox * sx + kx] }
                            dst[oy * ow + ox] = acc / count
                        }
                    }
                }
            }
            return
        }
        for plane in Step.range(g.batch * g.channels, part: part, of: parts) {
            let src = input + plane * h * w, dst = output + plane * oh * ow
            for oy in 0..<oh {
                let yStart = oy * g.strideY - g.padTop
                let ky0 = max(0, -yStart), ky1 = min(g.kernelHeight, h - yStart)
                for ox in 0..<ow {
                    let xStart = ox * g.strideX - g.padLeft
                    let kx0 = max(0, -xStart), kx1 = min(g.kernelWidth, w - xStart)
                    var acc: Float = g.isMax ? -.infinity : 0
                    if ky1 > ky0 && kx1 > kx0 {
                        for ky in ky0..<ky1 {
                            let row = src + (yStart + ky) * w + xStart
                            if g.isMax { for kx in kx0..<kx1 { acc = max(acc, row[kx]) } } else { for kx in kx0..<kx1 { acc += row[kx] } }
                        }
                    }
                    let n = g.countIncludePad ? g.kernelHeight * g.kernelWidth : max(1, (ky1 - ky0) * (kx1 - kx0))
                    dst[oy * ow + ox] = g.isMax ? acc : acc / Float(n)
                }
            }
        }
    }
}
