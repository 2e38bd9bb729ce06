import Foundation
import LikenessKernels

// MARK: - BandChain

/// Fused-layer tiling for the detail stages: a run of same-size convolutions (and the residual
/// `Add`s between them) computed in horizontal bands, so the activations between layers stay in
/// cache instead of streaming whole planes through memory.
///
/// A detail stage is a few 3x3 convolutions of 16–64 channels on a 256² or 1024² picture; each
/// layer's output is megabytes, written once and read once, so memory traffic — not arithmetic —
/// decides its speed. A band chain computes `rows` output rows at a time: walking back through the
/// chain, each layer needs its consumers' rows plus the kernel's reach (the halo, recomputed by
/// the neighbouring band), and every value of the chain lives in a band buffer of those rows
/// only. Only the chain's input, its output and a final addend touch memory.
///
/// What ``Fusion`` proposes as a chain, in the nodes' order (everything in between that reads no value of the chain but
/// its input — the stage's bilinear upscale of its input, say — is planned before the chain):
/// - `Conv`: one group, stride 1, no dilation, an odd square kernel with "same" padding, constant
///   weights, no channel gate, on the chain's size; its fused activation applies in registers;
/// - `Add` of two values of the chain (the skip over the body), with its fused activation;
/// - at the end, optionally, a `DepthToSpace` (pixel shuffle, DCR or CRD) of the last
///   convolution, folded into that convolution's store, and then an `Add` of a value computed
///   before the chain (the upscale; the global residual), with its fused activation (the `Clip`).
/// Every value but the last must be read only inside the chain. At least two convolutions, or one
/// and the pixel shuffle; at least 16 columns (``DirectConvolution``'s rows); packed kernels only.
enum BandChain: OperatorDefinition {
    /// One operation of a chain, over the chain's values (0 is its input, i + 1 the result of op i).
    enum Operation {
        /// `winograd`: weights packed for ``WinogradBand`` (else ``DirectConvolution``).
        case conv(input: Int, geometry: ConvGeometry, weights: OwnedFloats, bias: OwnedFloats, epilogue: LinearEpilogue, curve: CurveFunction,
                  winograd: Bool)
        case add(Int, Int, activation: Activation)

        var inputs: [Int] {
            switch self {
            case .conv(let input, _, _, _, _, _, _): return [input]
            case .add(let a, let b, _): return [a, b]
            }
        }
    }

    /// The name of the group node ``Fusion`` proposes (not an ONNX operator).
    static let opType = "LikenessBandChain"
    static let opTypes = [opType]

    /// A group is evaluated as its members (the reference).
    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        var values: [String: Tensor] = [:]
        for (name, tensor) in zip(node.inputs, inputs) { if let tensor { values[name] = tensor } }
        for member in node.members {
            let outputs = try Reference.evaluate(member, member.inputs.map { $0.isEmpty ? nil : values[$0] })
            for (name, tensor) in zip(member.outputs, outputs) { values[name] = tensor }
        }
        guard let output = node.outputs.first, let result = values[output] else {
            throw .undefinedValue(name: node.outputs.first ?? "", node: node.label)
        }
        return [result]
    }

    /// One band-tiled step for the group when the shapes allow it (see the type's documentation),
    /// else its members one by one.
    static func lower(_ node: Node, _ p: inout Planner) throws(EngineError) {
        if try !lowerChain(node, &p) { try p.lowerUnfused(node) }
    }

    /// Plans the chain as one step; false, having planned nothing, when a shape refuses.
    private static func lowerChain(_ node: Node, _ p: inout Planner) throws(EngineError) -> Bool {
        var members = node.members
        let upscaleMember: Node? = ["Resize", "Upsample"].contains(members.first?.opType ?? "") ? members.removeFirst() : nil
        guard p.bandChains, let kernels = p.kernels, let head = members.first, let first = head.input(0),
              !p.isConstant(first), let firstShape = try? p.shape(of: first, head),
              let firstGeometry = chainGeometry(head, input: firstShape, p), firstGeometry.batch >= 1 else { return false }
        let height = firstGeometry.inputHeight, width = firstGeometry.inputWidth
        var names: [String: Int] = [first: 0]   // value name → index
        var channels = [firstGeometry.inputChannels]
        var operations: [Operation] = []
        var shuffle: (block: Int, crd: Bool, node: Node)?
        var residual: (name: String, activation: Activation, node: Node)?
        for member in members {
            switch member.opType {
            case "Conv":
                guard let input = member.input(0), let index = names[input],
                      let g = chainGeometry(member, input: [firstGeometry.batch, channels[index], height, width], p),
                      let weight = p.constantValue(member.input(1)) else { return false }
                var bias = [Float](repeating: 0, count: g.outputChannels)
                if let biasName = member.input(2) {
                    guard let b = p.constantValue(biasName), b.count == g.outputChannels else { return false }
                    bias = b.floats
                }
                let (epilogue, after) = PackedKernels.split(member.activation)
                let winograd = useWinograd(g, p)
                let packed = winograd
                    ? WinogradBand.pack(weight.floats, outputChannels: g.outputChannels, inputChannels: g.inputChannels)
                    : DirectConvolution.pack(weight.floats, outputChannels: g.outputChannels, inputChannels: g.inputChannels,
                                             kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth)
                operations.append(.conv(input: index, geometry: g, weights: OwnedFloats(packed), bias: OwnedFloats(bias), epilogue: epilogue,
                                        curve: after.curve, winograd: winograd))
                channels.append(g.outputChannels)
                names[member.outputs[0]] = operations.count
            case "Add" where shuffle == nil:
                guard let a = names[member.inputs[0]], let b = names[member.inputs[1]], channels[a] == channels[b] else { return false }
                operations.append(.add(a, b, activation: member.activation))
                channels.append(channels[a])
                names[member.outputs[0]] = operations.count
            case "DepthToSpace":
                let block = member.int("blocksize", default: 0)
                guard block >= 1, channels[operations.count] % (block * block) == 0 else { return false }
                shuffle = (block, member.string("mode", default: "DCR") == "CRD", member)
            case "Add":
                guard let shuffled = shuffle?.node.outputs.first, let other = member.inputs.first(where: { $0 != shuffled }) else { return false }
                residual = (other, member.activation, member)
            default:
                return false
            }
        }
        let outChannels = channels[operations.count]
        let outputShape: [Int]
        if let shuffle {
            outputShape = [firstGeometry.batch, outChannels / (shuffle.block * shuffle.block), height * shuffle.block, width * shuffle.block]
        } else {
            outputShape = [firstGeometry.batch, outChannels, height, width]
        }

        // The residual: blended from the upscale's input by the store, or read from its own buffer, or
        // (not of the shuffled picture's shape) added by its own step after the chain.
        var upscale: (tables: ResizeTables, input: Int)?
        if let upscaleMember {
            upscale = fusedUpscale(upscaleMember, want: outputShape, &p)
            if upscale == nil { try p.lowerMember(upscaleMember) }
        }
        var separateAdd: Node?
        if let r = residual, upscale == nil, (try? p.shape(of: r.name, r.node)) != outputShape || p.isConstant(r.name) {
            separateAdd = r.node
            residual = nil
        }
        let inputBuffer = try p.buffer(of: first, head)
        let residualBuffer = upscale != nil ? -1 : try residual.map { r throws(EngineError) in try p.buffer(of: r.name, r.node) } ?? -1
        let lastName = residual?.node.outputs[0] ?? shuffle?.node.outputs[0] ?? members[members.count - 1].outputs[0]
        let outputBuffer = try p.newOutput(outputShape, node)
        p.append(BandChainStep(
            name: node.label, operations: operations, channels: channels, batch: firstGeometry.batch, height: height, width: width,
            shuffle: shuffle.map { ($0.block, $0.crd) }, residualActivation: residual?.activation ?? .none,
            inputID: inputBuffer, residualID: residualBuffer, upscale: upscale, outputID: outputBuffer, parts: p.parts, kernels: kernels,
            rows: p.bandRows))
        p.defineRuntime(lastName, shape: outputShape, buffer: outputBuffer)
        if let separateAdd { try p.lowerMember(separateAdd) }
        return true
    }

    /// The tables and input buffer of a Resize the store can blend in place of reading its output: linear
    /// (not cubic), constant scales or sizes, N and C unchanged, its output the shuffled picture's `want`.
    static func fusedUpscale(_ node: Node, want: [Int], _ p: inout Planner) -> (tables: ResizeTables, input: Int)? {
        guard let name = node.input(0), !p.isConstant(name), let shape = try? p.shape(of: name, node) else { return nil }
        var constants: [Tensor?] = [nil]
        for i in 1..<max(node.inputs.count, 1) {
            guard let input = node.input(i) else { constants.append(nil); continue }
            guard let c = p.constantValue(input) else { return nil }
            constants.append(c)
        }
        let (scales, sizes) = Resize.resizeInputs(node, constants)
        guard let tables = try? ResizeTables(node: node, input: shape, scales: scales, sizes: sizes), tables.linear, !tables.cubic,
              tables.outputShape == want, shape.count == 4, shape[0] == want[0], shape[1] == want[1],
              let buffer = try? p.buffer(of: name, node) else { return nil }
        return (tables, buffer)
    }

    /// Whether a convolution of the chain runs as fused Winograd F(2x2, 3x3) (``WinogradBand``): a 3x3
    /// one with 8 or more input and output channels, unless ``EngineOptions/winograd`` is off. (The head
    /// convolution of 3 or 7 channels stays direct: its transforms would cost more than they save.)
    static func useWinograd(_ g: ConvGeometry, _ p: Planner) -> Bool {
        p.winograd && g.prefersWinograd
    }

    /// The geometry of a convolution a chain can hold, reading an input of `shape`, or nil.
    static func chainGeometry(_ node: Node, input shape: [Int], _ p: Planner) -> ConvGeometry? {
        guard node.opType == "Conv", node.inputGate.isEmpty, !node.hasFusedNodes,
              let weight = p.constantValue(node.input(1)), !weight.isInteger, weight.shape.count == 4 else { return nil }
        guard shape.count == 4, let g = try? ConvGeometry(node: node, input: shape, weight: weight.shape, transposed: false) else { return nil }
        let k = g.kernelHeight
        guard g.groups == 1, g.kernelWidth == k, k % 2 == 1, k <= 7, g.strideY == 1, g.strideX == 1, g.dilationY == 1, g.dilationX == 1,
              g.padTop == k / 2, g.padLeft == k / 2, g.outputHeight == g.inputHeight, g.outputWidth == g.inputWidth,
              g.outputWidth >= 16 else { return nil }
        return g
    }
}

// MARK: - BandChainStep

/// Runs a ``BandChain``: each thread takes a share of the output rows and walks it in bands of
/// `rows`; for a band, every value's needed rows (its consumers' rows plus the halo) are computed
/// into that value's band buffer in the thread's scratch, the last value is stored (pixel-shuffled,
/// plus the residual, through the final activation when the chain has them) into the output.
final class BandChainStep: Step {
    let operations: [BandChain.Operation]
    /// Channels of every value (0: the chain input).
    let channels: [Int]
    let batch: Int, height: Int, width: Int
    let shuffle: (block: Int, crd: Bool)?
    let residualActivation: Activation
    /// `residualActivation` as the store applies it in registers.
    let residualSplit: (epilogue: LinearEpilogue, after: Activation)
    let inputID: Int, residualID: Int, outputID: Int
    /// The residual as a bilinear upscale of buffer `upscaleID` blended in the store (else -1).
    let upscale: ResizeTables?
    let upscaleID: Int
    var upscaleInput = UnsafeMutablePointer<Float>(bitPattern: 16)!
    /// The upscale's tables as pointers (allocated once): y0, y1, x0, x1 and wy, wx.
    private let upscaleIndices: UnsafeMutablePointer<Int>
    private let upscaleWeights: UnsafeMutablePointer<Float>
    /// Floats of the upscale's horizontally resized rows per thread.
    let upscaleScratch: Int
    var input = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var residual: UnsafeMutablePointer<Float>?
    var output = UnsafeMutablePointer<Float>(bitPattern: 16)!
    let kernels: PackedKernels
    /// Output rows per band.
    let rows: Int
    /// The halo of every value: how many rows beyond a band's it must hold (0 for the last).
    let halo: [Int]
    /// Floats of each value's band buffer, and of the convolution's line scratch, per thread.
    let valueCapacity: [Int]
    let lineScratch: Int
    let scratchPerPart: Int
    /// Per thread: each value's band buffer, its rows in the current band and the rows it holds from
    /// the band before (allocated once).
    private let bufferTable: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    private let needTable: UnsafeMutablePointer<Range<Int>>
    private let heldTable: UnsafeMutablePointer<Range<Int>>

    init(name: String, operations: [BandChain.Operation], channels: [Int], batch: Int, height: Int, width: Int,
         shuffle: (block: Int, crd: Bool)?, residualActivation: Activation, inputID: Int, residualID: Int,
         upscale: (tables: ResizeTables, input: Int)? = nil, outputID: Int, parts: Int, kernels: PackedKernels, rows requested: Int) {
        self.operations = operations
        self.channels = channels
        self.batch = batch
        self.height = height
        self.width = width
        self.shuffle = shuffle
        self.residualActivation = residualActivation
        residualSplit = PackedKernels.split(residualActivation)
        self.inputID = inputID
        self.residualID = residualID
        self.outputID = outputID
        self.kernels = kernels
        rows = max(1, min(requested, height))
        // Halos, walking back from the last value: a conv's input needs its output's plus the reach.
        var halo = [Int](repeating: 0, count: channels.count)
        for (i, op) in operations.enumerated().reversed() {
            switch op {
            case .conv(let x, let g, _, _, _, _, _): halo[x] = max(halo[x], halo[i + 1] + g.kernelHeight / 2)
            case .add(let a, let b, _): halo[a] = max(halo[a], halo[i + 1]); halo[b] = max(halo[b], halo[i + 1])
            }
        }
        self.halo = halo
        let r = rows
        valueCapacity = channels.indices.map { v in v == 0 ? 0 : Step.cacheLines(channels[v] * min(height, r + 2 * halo[v]) * width) }
        var line = 0
        for (i, op) in operations.enumerated() {
            if case .conv(_, let g, _, _, _, _, let winograd) = op {
                let rows = min(height, r + 2 * halo[i + 1])
                line = max(line, winograd
                    ? WinogradBand.scratchCount(inputChannels: g.inputChannels, outputChannels: g.outputChannels, outputWidth: width, rows: rows)
                    : DirectConvolution.scratchCount(inputChannels: g.inputChannels, kernelHeight: g.kernelHeight, outputWidth: width,
                                                     kernelWidth: g.kernelWidth, rows: rows))
            }
        }
        lineScratch = Step.cacheLines(line)
        self.upscale = upscale?.tables
        upscaleID = upscale?.input ?? -1
        let t = upscale?.tables
        let oh = t?.outputShape[2] ?? 0, ow = t?.outputShape[3] ?? 0
        upscaleIndices = .allocate(capacity: max(1, 2 * oh + 2 * ow))
        upscaleWeights = .allocate(capacity: max(1, oh + ow))
        if let t {
            for i in 0..<oh { upscaleIndices[i] = t.y0[i]; upscaleIndices[oh + i] = t.y1[i]; upscaleWeights[i] = t.wy[i] }
            for i in 0..<ow { upscaleIndices[2 * oh + i] = t.x0[i]; upscaleIndices[2 * oh + ow + i] = t.x1[i]; upscaleWeights[oh + i] = t.wx[i] }
        }
        // Input rows a band of `rows` rows blends, at most: over every window of rows · block output rows.
        var upscaleRows = 0
        if let t, let shuffle {
            let span = min(height, r) * shuffle.block
            for start in 0..<max(0, oh - span + 1) {
                let window = t.y0[start..<(start + span)] + t.y1[start..<(start + span)]
                upscaleRows = max(upscaleRows, window.max()! - window.min()! + 1)
            }
            upscaleRows = max(upscaleRows, 1)
        }
        upscaleScratch = Step.cacheLines((channels.last ?? 0) * upscaleRows * ow)
        scratchPerPart = valueCapacity.reduce(0, +) + lineScratch + upscaleScratch
        bufferTable = .allocate(capacity: channels.count * max(parts, 1))
        needTable = .allocate(capacity: channels.count * max(parts, 1))
        heldTable = .allocate(capacity: channels.count * max(parts, 1))
        super.init(name: name, opType: "BandChain")
        flops = operations.reduce(0) { total, op in
            if case .conv(_, let g, _, _, _, _, _) = op { return total + g.flopsPerImage * Double(batch) }
            return total
        }
        parallel = parts > 1
        scratchCount = scratchPerPart * max(parts, 1)
        bufferTable.initialize(repeating: UnsafeMutablePointer<Float>(bitPattern: 16)!, count: channels.count * max(parts, 1))
        needTable.initialize(repeating: 0..<0, count: channels.count * max(parts, 1))
        heldTable.initialize(repeating: 0..<0, count: channels.count * max(parts, 1))
    }

    deinit {
        bufferTable.deallocate()
        needTable.deallocate()
        heldTable.deallocate()
        upscaleIndices.deallocate()
        upscaleWeights.deallocate()
    }

    override var reads: [Int] { [inputID] + (residualID >= 0 ? [residualID] : []) + (upscaleID >= 0 ? [upscaleID] : []) }
    override var writes: [Int] { [outputID] }

    override func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        super.bind(resolve)
        input = resolve(inputID)
        output = resolve(outputID)
        residual = residualID >= 0 ? resolve(residualID) : nil
        if upscaleID >= 0 { upscaleInput = resolve(upscaleID) }
    }

    override func run(part: Int, of parts: Int) {
        let mine = Step.range(height, part: part, of: parts)
        if mine.isEmpty { return }
        let base = scratch + part * scratchPerPart
        let buffers = bufferTable + part * channels.count, need = needTable + part * channels.count
        let held = heldTable + part * channels.count
        var offset = 0
        for v in 0..<channels.count {
            buffers[v] = base + offset
            offset += valueCapacity[v]
        }
        let lines = base + offset
        for n in 0..<batch {
            for v in 0..<channels.count { held[v] = 0..<0 }
            var y0 = mine.lowerBound
            while y0 < mine.upperBound {
                let y1 = min(mine.upperBound, y0 + rows)
                band(image: n, rows: y0..<y1, buffers: buffers, need: need, held: held, lines: lines, upscaleRows: lines + lineScratch)
                y0 = y1
            }
        }
    }

    /// One band: the rows every value needs, each operation into its band buffer, then the store.
    ///
    /// The bands of a thread walk down the image, so the rows a value needs overlap those it held in
    /// the band before (the halo): those are moved to the front of its buffer and only the rows
    /// below them are computed (the halo is recomputed only where the threads' shares meet).
    /// (Index loops only: iterators and `reversed()` allocate in debug builds.)
    private func band(image n: Int, rows: Range<Int>, buffers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>,
                      need: UnsafeMutablePointer<Range<Int>>, held: UnsafeMutablePointer<Range<Int>>, lines: UnsafeMutablePointer<Float>,
                      upscaleRows: UnsafeMutablePointer<Float>) {
        let plane = height * width
        for v in 0..<channels.count { need[v] = 0..<0 }
        need[channels.count - 1] = rows
        var i = operations.count - 1
        while i >= 0 {
            let wanted = need[i + 1]
            switch operations[i] {
            case .conv(let x, let g, _, _, _, _, _):
                let reach = g.kernelHeight / 2
                need[x] = BandChainStep.union(need[x], max(0, wanted.lowerBound - reach)..<min(height, wanted.upperBound + reach))
            case .add(let a, let b, _):
                need[a] = BandChainStep.union(need[a], wanted)
                need[b] = BandChainStep.union(need[b], wanted)
            }
            i -= 1
        }
        // The input is read in place: its band starts at row 0 of the image.
        need[0] = 0..<height
        let source = input + n * channels[0] * plane
        for i in 0..<operations.count {
            let out = need[i + 1], target = buffers[i + 1]
            // Rows out.lowerBound ..< first are kept from the band before; first ..< out.upperBound are computed.
            let first = keep(value: i + 1, rows: out, held: held[i + 1], buffer: target)
            held[i + 1] = out
            if first >= out.upperBound { continue }
            switch operations[i] {
            case .conv(let x, let g, let weights, let bias, let epilogue, let curve, let winograd):
                let from = x == 0 ? UnsafePointer(source) : UnsafePointer(buffers[x])
                (winograd ? kernels.table.winogradBand : kernels.table.directConvolution)(DirectConvolutionArguments(
                    input: from, channels: g.inputChannels, height: need[x].count, width: width, inputScale: nil,
                    output: target, outputChannels: g.outputChannels, outputHeight: out.count, outputWidth: width,
                    weights: weights.pointer, bias: bias.pointer, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                    padTop: g.padTop + need[x].lowerBound - out.lowerBound, padLeft: g.padLeft, rows: (first - out.lowerBound)..<out.count,
                    epilogue: epilogue, curve: curve, scratch: lines))
            case .add(let a, let b, let activation):
                let count = (out.upperBound - first) * width
                for c in 0..<channels[i + 1] {
                    let pa = (a == 0 ? source + c * plane : buffers[a] + c * need[a].count * width) + (first - need[a].lowerBound) * width
                    let pb = (b == 0 ? source + c * plane : buffers[b] + c * need[b].count * width) + (first - need[b].lowerBound) * width
                    let pt = target + (c * out.count + first - out.lowerBound) * width
                    BinaryOperator.add.row(pa, 1, pb, 1, pt, count)
                    if activation != .none { activation.applyInPlace(pt, count: count) }
                }
            }
        }
        store(image: n, rows: rows, from: buffers[channels.count - 1], upscaleRows: upscaleRows)
    }

    /// Moves the rows of `value` that the band before computed and this one needs (`held` ∩ `rows`)
    /// from their place in the buffer's old layout ([C][held rows][W]) to the new one ([C][rows][W]);
    /// returns the first row left to compute.
    private func keep(value v: Int, rows: Range<Int>, held: Range<Int>, buffer: UnsafeMutablePointer<Float>) -> Int {
        guard !held.isEmpty, held.lowerBound <= rows.lowerBound, held.upperBound > rows.lowerBound,
              held.upperBound <= rows.upperBound else { return rows.lowerBound }
        let kept = (held.upperBound - rows.lowerBound) * width, shift = (rows.lowerBound - held.lowerBound) * width
        let oldStride = held.count * width, newStride = rows.count * width
        if shift == 0 && oldStride == newStride { return held.upperBound }
        // Channel c moves from c · oldStride + shift to c · newStride: in increasing order when the
        // channels move towards the start, else from the last channel down (no channel overwrites
        // one not moved yet; `update(from:count:)` handles the overlap within a channel).
        let count = channels[v]
        if newStride <= oldStride {
            for c in 0..<count { (buffer + c * newStride).update(from: buffer + c * oldStride + shift, count: kept) }
        } else {
            var c = count - 1
            while c >= 0 { (buffer + c * newStride).update(from: buffer + c * oldStride + shift, count: kept); c -= 1 }
        }
        return held.upperBound
    }

    /// The last value's band rows into the output: as they are, or pixel-shuffled, plus the
    /// residual, through the final activation.
    private func store(image n: Int, rows: Range<Int>, from band: UnsafeMutablePointer<Float>, upscaleRows: UnsafeMutablePointer<Float>) {
        let m = channels[channels.count - 1], count = rows.count * width
        guard let shuffle else {
            let y = output + n * m * height * width
            for c in 0..<m { (y + (c * height + rows.lowerBound) * width).update(from: band + c * count, count: count) }
            return
        }
        let b = shuffle.block, co = m / (b * b), ow = width * b, oh = height * b
        let y = output + n * co * oh * ow
        let r = residual.map { $0 + n * co * oh * ow }
        var blend: PixelShuffleUpscale?
        if let t = upscale {
            // The input rows this band's output rows blend, each resized horizontally once.
            let y0 = upscaleIndices, y1 = upscaleIndices + oh, x0 = upscaleIndices + 2 * oh, x1 = x0 + ow, wy = upscaleWeights, wx = wy + oh
            var lo = Int.max, hi = 0
            for oy in (rows.lowerBound * b)..<(rows.upperBound * b) { lo = min(lo, y0[oy]); hi = max(hi, y1[oy]) }
            let h = t.inputShape[2], w = t.inputShape[3], count = hi - lo + 1
            for c in 0..<co {
                for iy in lo...hi {
                    PixelShuffleUpscale.resizeRow(upscaleInput + ((n * co + c) * h + iy) * w, into: upscaleRows + (c * count + iy - lo) * ow,
                                                  outputWidth: ow, x0: x0, x1: x1, wx: wx)
                }
            }
            blend = PixelShuffleUpscale(rows: upscaleRows, rowCount: count, firstRow: lo, top: y0, bottom: y1, weight: wy)
        }
        kernels.table.pixelShuffle(PixelShuffleArguments(
            source: band, rows: rows.count, width: width, block: b, crd: shuffle.crd, outputChannels: co, output: y, outputHeight: oh,
            firstRow: rows.lowerBound, residual: r.map { UnsafePointer($0) }, upscale: blend, epilogue: residualSplit.epilogue,
            curve: residualSplit.after.curve))
    }

    static func union(_ a: Range<Int>, _ b: Range<Int>) -> Range<Int> {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return min(a.lowerBound, b.lowerBound)..<max(a.upperBound, b.upperBound)
    }
}
