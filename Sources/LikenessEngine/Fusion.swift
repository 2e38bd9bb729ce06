// MARK: - Fusion

/// The graph-to-graph pass before lowering: merges nodes whose work one kernel can do in the
/// same pass over memory. It needs no shapes; where only the shapes can tell whether a merge
/// works, it proposes the merge and the operator's lowering either applies it or lowers the
/// parts one by one (``Planner/lowerUnfused(_:)``).
///
/// In this order, over nodes in topological order:
/// 0. **Nearest upsampling into the convolution**: `Resize` (nearest, x2, asymmetric/floor, the
///    PyTorch export of `Upsample(scale_factor=2)`) read only by a 3x3 `Conv` (stride 1, pads 1,
///    one group) becomes one `ConvTranspose` 4x4 with stride 2 and pads 1: each output pixel of
///    the pair sees 2x2 input pixels, so the work is 4/9 of the convolution's and the upsampled
///    picture is never written (FastGAN's and StyleGAN-T's grid-free up blocks).
/// 1. **BatchNorm folding**: `BatchNormalization` after a `Conv`/`ConvTranspose` with constant
///    weights and statistics becomes new weight and bias initializers of the convolution.
/// 2. **Activations**: `Relu`, `LeakyRelu`, `Sigmoid`, `Tanh` or `Clip` (constant bounds) after a
///    producer whose kernel has an epilogue becomes that producer's ``Node/activation``.
/// 3. **Channel gates**: `Mul(feature, gate)` read only by a convolution becomes the
///    convolution's ``Node/inputGate`` (FastGAN's skip-layer excitation), applied as the kernel
///    reads its input when the gate is `[N, C, 1, 1]`.
/// 4. **MatMul bias**: `Add(MatMul(…), constant)` becomes the MatMul's ``Node/addend``.
/// 5. **Band chains** (with `bandChains`): a run of same-size convolutions, the `Add`s between them,
///    an optional pixel shuffle and the residual `Add` of an upscaled input (a detail stage's body and
///    tail) becomes one ``BandChain`` node listing them as ``Node/members``, at the place of its last
///    member; the upscale `Resize` that only the residual reads joins it. Shapes decide at lowering
///    whether it runs as one band-tiled step or as its members.
///
/// A node is merged only into a latent-dependent producer whose output nothing else reads and
/// which is not the graph output, so no value visible outside a group changes.
enum Fusion {
    /// Operators whose steps apply an activation in their epilogue.
    static let activationProducers: Set<String> = [
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "InstanceNormalization",
        "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Min", "Max",
    ]

    /// A `Resize` that doubles height and width by nearest neighbour as PyTorch exports it: scales
    /// [1, 1, 2, 2] (constant), `asymmetric` coordinates, `floor` rounding (input = output / 2).
    static func isNearestDoubling(_ node: Node, constants: (String) -> Tensor?) -> Bool {
        guard node.opType == "Resize", node.string("mode", default: "nearest") == "nearest",
              node.string("coordinate_transformation_mode", default: "half_pixel") == "asymmetric",
              node.string("nearest_mode", default: "round_prefer_floor") == "floor",
              node.inputs.count >= 3, node.inputs.count < 4 || node.inputs[3].isEmpty,
              let scales = constants(node.inputs[2]), scales.floats == [1, 1, 2, 2] else { return false }
        return true
    }

    /// The fused graph; `graph.nodes` must be in topological order.
    static func run(_ graph: Graph, bandChains: Bool = true) -> Graph {
        var pass = Pass(graph: graph)
        pass.foldNearestUpsampling()
        pass.foldBatchNorms()
        pass.fuseActivations()
        pass.fuseChannelGates()
        pass.fuseMatMulBias()
        if bandChains { pass.proposeBandChains() }
        var fused = graph
        fused.nodes = pass.nodes.compactMap { $0 }
        fused.initializers = pass.initializers
        return fused
    }

    private struct Pass {
        let graph: Graph
        var nodes: [Node?]
        var initializers: [String: Tensor]
        /// Values known at load time without shapes: initializers and `Constant` outputs.
        var constants: [String: Tensor]
        /// Values that depend on the graph input (through anything but `Shape`/`Size`).
        let runtime: Set<String>

        init(graph: Graph) {
            self.graph = graph
            nodes = graph.nodes
            initializers = graph.initializers
            constants = graph.initializers
            var runtime: Set<String> = [graph.inputName]
            for node in graph.nodes {
                if node.opType == "Constant", let t = try? Reference.evaluate(node, []).first, let name = node.outputs.first {
                    constants[name] = t
                }
                if !["Shape", "Size", "Constant"].contains(node.opType), node.inputs.contains(where: runtime.contains) {
                    runtime.formUnion(node.outputs)
                }
            }
            self.runtime = runtime
        }

        /// The index of the only node that reads `name` (as its input 0 unless `anyInput`), when
        /// merging into its producer is safe.
        func soleReader(of name: String, anyInput: Bool = false) -> Int? {
            guard name != graph.outputName, runtime.contains(name) else { return nil }
            var found: Int?
            for (i, node) in nodes.enumerated() {
                guard let node else { continue }
                let count = node.reads.filter { $0 == name }.count
                if count == 0 { continue }
                if found != nil || count > 1 || (!anyInput && node.inputs.first != name) { return nil }
                found = i
            }
            return found
        }

        func isUnread(_ names: ArraySlice<String>) -> Bool {
            names.allSatisfy { name in
                name.isEmpty || (name != graph.outputName && !nodes.contains { $0?.reads.contains(name) == true })
            }
        }

        /// A new initializer name that nothing uses yet.
        func freshName(_ base: String) -> String {
            var name = base, k = 1
            while initializers[name] != nil || runtime.contains(name) || constants[name] != nil { name = "\(base)_\(k)"; k += 1 }
            return name
        }

        mutating func foldNearestUpsampling() {
            for j in nodes.indices {
                guard let conv = nodes[j], conv.opType == "Conv", let upsampled = conv.input(0),
                      let weightName = conv.input(1), let weight = constants[weightName], !weight.isInteger,
                      weight.shape.count == 4, weight.shape[2] == 3, weight.shape[3] == 3,
                      conv.int("group", default: 1) == 1, conv.string("auto_pad", default: "NOTSET") == "NOTSET",
                      conv.ints("strides") ?? [1, 1] == [1, 1], conv.ints("dilations") ?? [1, 1] == [1, 1],
                      conv.ints("pads") == [1, 1, 1, 1],
                      let i = nodes.firstIndex(where: { $0?.outputs.first == upsampled }), let resize = nodes[i],
                      Fusion.isNearestDoubling(resize, constants: { self.constants[$0] }),
                      let source = resize.input(0), soleReader(of: upsampled) == j else { continue }
                // Output row 2i reads upsampled rows 2i-1, 2i, 2i+1 = input rows i-1, i, i; row 2i+1 reads
                // i, i, i+1. As a transposed convolution (out = 2 in - 1 + k) tap k takes the 3x3 rows
                // S(k): S(0) = {2}, S(1) = {1, 2}, S(2) = {0, 1}, S(3) = {0}; the same for columns.
                let taps: [[Int]] = [[2], [1, 2], [0, 1], [0]]
                let outputChannels = weight.shape[0], inputChannels = weight.shape[1]
                let w = weight.floats
                var folded = [Float](repeating: 0, count: inputChannels * outputChannels * 16)
                for m in 0..<outputChannels {  // weight [M, C, 3, 3] -> [C, M, 4, 4]
                    for c in 0..<inputChannels {
                        let from = (m * inputChannels + c) * 9, to = (c * outputChannels + m) * 16
                        for ky in 0..<4 {
                            for kx in 0..<4 {
                                var sum: Float = 0
                                for dy in taps[ky] { for dx in taps[kx] { sum += w[from + dy * 3 + dx] } }
                                folded[to + ky * 4 + kx] = sum
                            }
                        }
                    }
                }
                let name = freshName("\(conv.label)/upsampling_folded_weight")
                initializers[name] = Tensor(shape: [inputChannels, outputChannels, 4, 4], floats: folded)
                constants[name] = initializers[name]
                var merged = Node(opType: "ConvTranspose", name: conv.name, inputs: [source, name] + conv.inputs.dropFirst(2),
                                  outputs: conv.outputs,
                                  attributes: ["kernel_shape": .ints([4, 4]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
                merged.activation = conv.activation
                nodes[j] = merged
                nodes[i] = nil
            }
        }

        mutating func foldBatchNorms() {
            for i in nodes.indices {
                guard let conv = nodes[i], conv.opType == "Conv" || conv.opType == "ConvTranspose",
                      let x = conv.input(0), runtime.contains(x),
                      let weightName = conv.input(1), let weight = constants[weightName], !weight.isInteger, weight.shape.count == 4,
                      let j = soleReader(of: conv.outputs[0]), let bn = nodes[j], bn.opType == "BatchNormalization",
                      isUnread(bn.outputs.dropFirst()) else { continue }
                let groups = max(conv.int("group", default: 1), 1)
                let transposed = conv.opType == "ConvTranspose"
                let outputChannels = transposed ? weight.shape[1] * groups : weight.shape[0]
                guard let affine = BatchNormalization.affine(bn, channels: outputChannels, constants: { self.constants[$0] }) else { continue }
                var bias = [Float](repeating: 0, count: outputChannels)
                if let biasName = conv.input(2) {
                    guard let b = constants[biasName], b.count == outputChannels else { continue }
                    bias = b.floats
                }
                var w = weight.floats
                let kernelArea = weight.shape[2] * weight.shape[3]
                if transposed {
                    // weight [C, M/g, kH, kW]
                    let inputChannels = weight.shape[0], perGroup = max(inputChannels / groups, 1), cog = weight.shape[1]
                    for c in 0..<inputChannels {
                        let group = c / perGroup
                        for mo in 0..<cog {
                            let s = affine.scale[group * cog + mo]
                            let base = (c * cog + mo) * kernelArea
                            for t in 0..<kernelArea { w[base + t] *= s }
                        }
                    }
                } else {
                    // weight [M, C/g, kH, kW]
                    let rowLength = w.count / outputChannels
                    for m in 0..<outputChannels { for t in 0..<rowLength { w[m * rowLength + t] *= affine.scale[m] } }
                }
                for m in 0..<outputChannels { bias[m] = bias[m] * affine.scale[m] + affine.shift[m] }
                let w2 = freshName("\(conv.label)/bn_folded_weight")
                initializers[w2] = Tensor(shape: weight.shape, floats: w)
                constants[w2] = initializers[w2]
                let b2 = freshName("\(conv.label)/bn_folded_bias")
                initializers[b2] = Tensor(shape: [outputChannels], floats: bias)
                constants[b2] = initializers[b2]
                var merged = conv
                merged.inputs = [x, w2, b2]
                merged.outputs = [bn.outputs[0]]
                nodes[i] = merged
                nodes[j] = nil
            }
        }

        mutating func fuseActivations() {
            for i in nodes.indices {
                guard let producer = nodes[i], Fusion.activationProducers.contains(producer.opType),
                      producer.activation == .none, !producer.hasFusedNodes, producer.outputs.count >= 1,
                      isUnread(producer.outputs.dropFirst()),
                      let j = soleReader(of: producer.outputs[0]), let next = nodes[j], next.outputs.count == 1,
                      let activation = Activation.fusable(next, constants: { self.constants[$0] }) else { continue }
                var merged = producer
                merged.activation = activation
                merged.outputs = [next.outputs[0]]
                nodes[i] = merged
                nodes[j] = nil
            }
        }

        mutating func fuseChannelGates() {
            for j in nodes.indices {
                guard let conv = nodes[j], conv.opType == "Conv" || conv.opType == "ConvTranspose", conv.inputGate.isEmpty,
                      let product = conv.input(0),
                      let i = nodes.firstIndex(where: { $0?.outputs.first == product }), let mul = nodes[i],
                      mul.opType == "Mul", mul.inputs.count == 2, mul.outputs.count == 1, mul.activation == .none,
                      mul.inputs.allSatisfy(runtime.contains), soleReader(of: product) == j else { continue }
                nodes[j]?.inputGate = [mul]
                nodes[i] = nil
            }
        }

        mutating func fuseMatMulBias() {
            for i in nodes.indices {
                guard let matmul = nodes[i], matmul.opType == "MatMul", matmul.activation == .none, !matmul.hasFusedNodes,
                      let j = soleReader(of: matmul.outputs[0], anyInput: true), let add = nodes[j], add.opType == "Add", add.inputs.count == 2,
                      let other = add.inputs.first(where: { $0 != matmul.outputs[0] }),
                      let c = constants[other], !c.isInteger, c.shape.count <= 2 else { continue }
                nodes[i]?.addend = [add]
                nodes[j] = nil
            }
        }

        /// Whether a node can be a convolution of a band chain as far as the graph tells (its shapes are
        /// checked at lowering): constant weights of an odd square kernel up to 7, one group, stride and
        /// dilation 1, "same" explicit padding, nothing fused but an activation.
        func isBandConvolution(_ node: Node) -> Bool {
            guard node.opType == "Conv", node.inputGate.isEmpty, node.addend.isEmpty, node.members.isEmpty,
                  let x = node.input(0), runtime.contains(x),
                  let weight = node.input(1).flatMap({ constants[$0] }), !weight.isInteger, weight.shape.count == 4 else { return false }
            let k = weight.shape[2]
            return weight.shape[3] == k && k % 2 == 1 && k <= 7 && node.int("group", default: 1) == 1
                && node.string("auto_pad", default: "NOTSET") == "NOTSET"
                && (node.ints("strides") ?? [1, 1]) == [1, 1] && (node.ints("dilations") ?? [1, 1]) == [1, 1]
                && (node.ints("pads") ?? [0, 0, 0, 0]) == [k / 2, k / 2, k / 2, k / 2]
                && node.input(2).map { constants[$0] != nil } ?? true
        }

        /// Every node index that reads `name`.
        func readers(of name: String) -> [Int] {
            nodes.indices.filter { nodes[$0]?.reads.contains(name) == true }
        }

        mutating func proposeBandChains() {
            var start = 0
            while start < nodes.count {
                if let last = proposeBandChain(from: start) { start = last + 1 } else { start += 1 }
            }
        }

        /// Matches a chain starting at `nodes[start]` (see ``BandChain`` for what it holds); on a match
        /// replaces its members by one node at the last member's place and returns that index.
        mutating func proposeBandChain(from start: Int) -> Int? {
            guard let head = nodes[start], isBandConvolution(head), let first = head.input(0) else { return nil }
            var chainValues: Set<String> = [first]
            var members: [Int] = []
            var convolutions = 0
            var shuffle: Int?, residual: Int?
            var j = start
            scan: while j < nodes.count {
                guard let node = nodes[j] else { j += 1; continue }
                let reads = node.reads.filter(chainValues.contains)
                let readsShuffled = shuffle.map { node.reads.contains(nodes[$0]!.outputs[0]) } ?? false
                // What reads only the chain's input (the stage's upscale of it) is independent: it stays before the chain.
                if j != start && !readsShuffled && reads.allSatisfy({ $0 == first }) {
                    j += 1
                    continue
                }
                switch node.opType {
                case "Conv" where shuffle == nil:
                    guard isBandConvolution(node), reads.count == 1, node.input(0) == reads.first else { break scan }
                    convolutions += 1
                case "Add" where shuffle == nil:
                    guard node.inputs.count == 2, node.inputs.allSatisfy(chainValues.contains), !node.hasFusedNodes else { break scan }
                case "DepthToSpace" where shuffle == nil:
                    let block = node.int("blocksize", default: 0), mode = node.string("mode", default: "DCR")
                    guard let last = members.last, nodes[last]?.opType == "Conv", node.input(0) == nodes[last]?.outputs.first,
                          (1...8).contains(block), mode == "DCR" || mode == "CRD" else { break scan }
                    shuffle = j
                case "Add" where shuffle != nil && residual == nil:
                    guard node.inputs.count == 2, !node.hasFusedNodes, let shuffled = nodes[shuffle!]?.outputs.first,
                          node.inputs.contains(shuffled), let other = node.inputs.first(where: { $0 != shuffled }),
                          runtime.contains(other) else { break scan }
                    residual = j
                    members.append(j)
                    break scan
                default:
                    break scan
                }
                members.append(j)
                if node.opType != "DepthToSpace" { chainValues.insert(node.outputs[0]) }
                j += 1
            }
            guard convolutions >= 2 || (convolutions == 1 && shuffle != nil), let lastIndex = members.last,
                  let lastName = nodes[lastIndex]?.outputs.first else { return nil }
            // Every value but the last is read only inside the chain, and is not the graph output.
            let inside = Set(members)
            for m in members {
                guard let name = nodes[m]?.outputs.first, name != lastName else { continue }
                guard name != graph.outputName, readers(of: name).allSatisfy(inside.contains) else { return nil }
            }
            // A linear upscale that only the residual reads joins the chain (its store may blend it).
            var group = members
            if let r = residual, let add = nodes[r], let shuffled = nodes[shuffle!]?.outputs.first,
               let other = add.inputs.first(where: { $0 != shuffled }),
               let k = nodes.firstIndex(where: { $0?.outputs.first == other }), let resize = nodes[k],
               ["Resize", "Upsample"].contains(resize.opType), resize.string("mode", default: "nearest") == "linear",
               other != graph.outputName, readers(of: other) == [r] {
                group.insert(k, at: 0)
            }
            var fused = Node(opType: BandChain.opType, name: head.label, inputs: [], outputs: [lastName], attributes: [:])
            fused.members = group.compactMap { nodes[$0] }
            let defined = Set(fused.members.flatMap(\.outputs))
            var external: [String] = []
            for member in fused.members {
                for name in member.reads where !name.isEmpty && !defined.contains(name) && !external.contains(name) {
                    external.append(name)
                }
            }
            fused.inputs = external
            for g in group { nodes[g] = nil }
            nodes[lastIndex] = fused
            return lastIndex
        }
    }
}
