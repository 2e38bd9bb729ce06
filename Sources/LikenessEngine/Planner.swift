import Foundation

// MARK: - Planner

/// Turns a ``Graph`` into an ``ExecutionPlan`` for one fixed batch size.
///
/// Steps: topological sort (cycle check) → dead-node pruning → static shapes with constant folding
/// (Shape/Gather/Concat chains fold because every shape is known) → fusion of
/// Conv/ConvTranspose + BatchNorm + bias + activation → liveness of every buffer → arena layout.
struct Planner {
    let graph: Graph
    let batchSize: Int
    let threads: Int
    /// The packed GEMM for convolutions; nil: OpenBLAS sgemm.
    let kernels: PackedKernels?
    /// Whether 3x3 convolutions may run as Winograd F(2x2, 3x3) (``EngineOptions/winograd``).
    let winograd: Bool

    private struct Value {
        var shape: [Int]
        var constant: Tensor?
        var buffer: Int
        /// A [N, C] buffer that still multiplies this value channel by channel: a channel gate
        /// whose Mul was fused into the one convolution that reads the value.
        var channelScale = -1
    }

    private struct Buffer {
        var count: Int
        var pinned: Bool
        var initial: [Float]?
        var first = Int.max
        var last = -1
    }

    private var values: [String: Value] = [:]
    private var buffers: [Buffer] = []
    private var references: [Int] = []
    private var consumers: [String: Int] = [:]
    private var consumerNodes: [String: [Int]] = [:]
    private var steps: [Step] = []
    private var fused: Set<Int> = []
    private var nodes: [Node] = []

    init(graph: Graph, batchSize: Int, threads: Int, kernels: PackedKernels? = PackedKernels.current, winograd: Bool = true) {
        self.graph = graph
        self.batchSize = batchSize
        self.threads = threads
        self.kernels = kernels
        self.winograd = winograd
    }

    // MARK: Entry point

    mutating func plan() throws(EngineError) -> ExecutionPlan {
        nodes = try sortedLiveNodes()
        for (index, node) in nodes.enumerated() {
            for name in node.inputs where !name.isEmpty {
                consumers[name, default: 0] += 1
                consumerNodes[name, default: []].append(index)
            }
        }
        consumers[graph.outputName, default: 0] += 1

        // The input: symbolic dims become the batch size.
        var inputShape: [Int] = []
        for (axis, dim) in graph.inputShape.enumerated() {
            if let dim {
                if axis == 0 && dim != batchSize {
                    throw .badSignature("the model's input '\(graph.inputName)' has a fixed batch of \(dim), so it cannot run with batch size \(batchSize) (export with dynamic_axes={'z': {0: 'N'}})")
                }
                inputShape.append(dim)
            } else if axis == 0 {
                inputShape.append(batchSize)
            } else {
                throw .badSignature("input '\(graph.inputName)' has a symbolic dimension at axis \(axis)")
            }
        }
        guard !inputShape.isEmpty else { throw .badSignature("input '\(graph.inputName)' has no shape") }
        let inputCount = try Limits.elementCount(inputShape, what: "input '\(graph.inputName)'")
        let inputBuffer = newBuffer(inputCount)
        define(graph.inputName, Value(shape: inputShape, constant: nil, buffer: inputBuffer))
        for (name, tensor) in graph.initializers where values[name] == nil {
            values[name] = Value(shape: tensor.shape, constant: tensor, buffer: -1)
        }

        for index in nodes.indices where !fused.contains(index) {
            try plan(nodeAt: index)
        }

        guard let output = values[graph.outputName] else {
            throw .undefinedValue(name: graph.outputName, node: "graph output")
        }
        guard output.constant == nil, output.buffer >= 0 else {
            throw .badSignature("the output '\(graph.outputName)' does not depend on the input")
        }
        buffers[inputBuffer].first = -1
        buffers[output.buffer].last = Int.max

        return try layout(inputBuffer: inputBuffer, inputShape: inputShape, outputBuffer: output.buffer, outputShape: output.shape)
    }

    // MARK: Graph order

    /// Kahn's topological sort of the nodes the output depends on; detects cycles and dangling names.
    private func sortedLiveNodes() throws(EngineError) -> [Node] {
        let all = graph.nodes
        var producer: [String: Int] = [:]
        for (i, node) in all.enumerated() { for o in node.outputs where !o.isEmpty { producer[o] = i } }
        // Nodes the output depends on.
        var live = Set<Int>()
        var stack: [Int] = []
        guard let outputProducer = producer[graph.outputName] else {
            if graph.outputName == graph.inputName || graph.initializers[graph.outputName] != nil {
                throw .badSignature("the output '\(graph.outputName)' is not computed by any node")
            }
            throw .undefinedValue(name: graph.outputName, node: "graph output")
        }
        stack.append(outputProducer)
        while let i = stack.popLast() {
            guard live.insert(i).inserted else { continue }
            for name in all[i].inputs where !name.isEmpty {
                if let p = producer[name] {
                    stack.append(p)
                } else if name != graph.inputName && graph.initializers[name] == nil {
                    throw .undefinedValue(name: name, node: all[i].label)
                }
            }
        }
        var indegree: [Int: Int] = [:]
        var dependents: [Int: [Int]] = [:]
        for i in live {
            var count = 0
            for name in all[i].inputs where !name.isEmpty {
                if let p = producer[name], live.contains(p) {
                    count += 1
                    dependents[p, default: []].append(i)
                }
            }
            indegree[i] = count
        }
        var ready = live.filter { indegree[$0] == 0 }.sorted()
        var order: [Int] = []
        while !ready.isEmpty {
            let i = ready.removeFirst()
            order.append(i)
            for d in dependents[i] ?? [] {
                indegree[d]! -= 1
                if indegree[d] == 0 { ready.append(d) }
            }
        }
        if order.count != live.count {
            let stuck = live.subtracting(order).min() ?? 0
            throw .cycle(node: all[stuck].label)
        }
        return order.map { all[$0] }
    }

    // MARK: Values and buffers

    mutating func newBuffer(_ count: Int, pinned: Bool = false, initial: [Float]? = nil) -> Int {
        buffers.append(Buffer(count: max(count, 1), pinned: pinned, initial: initial))
        references.append(0)
        return buffers.count - 1
    }

    private mutating func define(_ name: String, _ value: Value) {
        values[name] = value
        if value.buffer >= 0 { references[value.buffer] += consumers[name] ?? 0 }
    }

    private func value(_ name: String, _ node: Node) throws(EngineError) -> Value {
        guard let v = values[name] else { throw .undefinedValue(name: name, node: node.label) }
        return v
    }

    private func constant(_ name: String?) -> Tensor? {
        guard let name else { return nil }
        return values[name]?.constant
    }

    /// A buffer id for a runtime value or a pinned copy of a constant.
    private mutating func bufferFor(_ name: String, _ node: Node) throws(EngineError) -> Int {
        let v = try value(name, node)
        if v.buffer >= 0 { return v.buffer }
        guard let c = v.constant, !c.isInteger else {
            throw .shapeMismatch(node: node.label, op: node.opType, detail: "'\(name)' is not a float tensor")
        }
        let id = newBuffer(c.count, pinned: true, initial: c.floats)
        values[name]?.buffer = id
        return id
    }

    /// The single consumer of `name` when fusing into it is safe.
    private func soleConsumer(of name: String) -> (index: Int, node: Node)? {
        guard name != graph.outputName, consumers[name] == 1, let list = consumerNodes[name], list.count == 1 else { return nil }
        let i = list[0]
        guard !fused.contains(i) else { return nil }
        return (i, nodes[i])
    }

    /// Folds a following activation node into the producer of `name`, if there is one.
    private mutating func fuseActivation(after name: inout String) -> Activation {
        guard let (i, next) = soleConsumer(of: name), next.inputs.first == name,
              let act = Activation.fusable(next, constants: { self.constant($0) }) else { return .none }
        fused.insert(i)
        name = next.outputs[0]
        return act
    }

    mutating func append(_ step: Step) {
        if step.scratchCount > 0 {
            step.scratchID = newBuffer(step.scratchCount)
        }
        steps.append(step)
    }

    /// Marks the node's inputs consumed (for in-place decisions).
    private mutating func consume(_ node: Node) {
        for name in node.inputs where !name.isEmpty {
            if let b = values[name]?.buffer, b >= 0 { references[b] -= 1 }
        }
    }

    /// Whether a unary node may overwrite its input's buffer.
    private func canOverwrite(_ name: String) -> Bool {
        guard let v = values[name], v.buffer >= 0, !buffers[v.buffer].pinned else { return false }
        return references[v.buffer] == 1
    }

    var parts: Int { threads }

    // MARK: For operator definitions

    /// The shape of a value the node reads.
    func shape(of name: String, _ node: Node) throws(EngineError) -> [Int] { try value(name, node).shape }

    /// The value of `name` when it is a constant (an initializer or folded).
    func constantValue(_ name: String) -> Tensor? { constant(name) }

    /// The arena buffer holding `name` (a pinned copy for a float constant).
    mutating func buffer(of name: String, _ node: Node) throws(EngineError) -> Int { try bufferFor(name, node) }

    /// Defines a latent-dependent output value in `buffer`.
    mutating func defineRuntime(_ name: String, shape: [Int], buffer: Int) {
        define(name, Value(shape: shape, constant: nil, buffer: buffer))
    }

    /// Lowers a single-input, single-output rearrangement to one strided copy.
    mutating func lowerCopy(_ node: Node, _ makeCopy: ([Int]) throws(EngineError) -> ([Int], CopyDescriptor)) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let input = try value(name, node)
        let (shape, copy) = try makeCopy(input.shape)
        let inputBuffer = try bufferFor(name, node)
        let output = newBuffer(try Limits.elementCount(shape, what: "\(node.opType) '\(node.label)' output"))
        append(CopyStep(name: node.label, opType: node.opType, pieces: [(inputBuffer, output, copy)]))
        define(node.outputs[0], Value(shape: shape, constant: nil, buffer: output))
    }

    // MARK: Node planning

    private mutating func plan(nodeAt index: Int) throws(EngineError) {
        let node = nodes[index]
        let op = node.opType
        let definition = OperatorRegistry.definition(for: op)
        guard definition != nil || Operators.runtime.contains(op) || Operators.foldOnly.contains(op) else {
            throw .unsupportedOperator(op: op, node: node.label, supported: Operators.supported)
        }
        for o in node.outputs where !o.isEmpty && values[o] != nil && graph.initializers[o] == nil {
            throw .badAttribute(node: node.label, op: op, detail: "output '\(o)' is defined twice")
        }

        // Shape of a runtime value is known: fold it.
        if op == "Shape", let name = node.input(0) {
            let v = try value(name, node)
            return try foldShape(node, shape: v.shape)
        }

        // Everything constant: evaluate now.
        var inputs: [Tensor?] = []
        var allConstant = true
        for name in node.inputs {
            if name.isEmpty { inputs.append(nil); continue }
            let v = try value(name, node)
            if let c = v.constant { inputs.append(c) } else { allConstant = false; inputs.append(nil) }
        }
        if allConstant {
            let outputs = try Reference.evaluate(node, inputs)
            for (name, tensor) in zip(node.outputs, outputs) where !name.isEmpty {
                _ = try Limits.elementCount(tensor.shape, what: "constant '\(name)'")
                if case .float(let f) = tensor.storage { try ModelLoader.checkFinite(f, name: name) }
                define(name, Value(shape: tensor.shape, constant: tensor, buffer: -1))
            }
            return
        }
        if let definition {
            try definition.lower(node, &self)
            consume(node)
            return
        }
        guard Operators.runtime.contains(op) else {
            throw .unsupportedOperator(op: "\(op) on a latent-dependent value", node: node.label, supported: Array(Operators.runtime).sorted())
        }
        try planRuntime(node, index: index)
        consume(node)
    }

    private mutating func foldShape(_ node: Node, shape: [Int]) throws(EngineError) {
        let rank = shape.count
        var start = node.int("start", default: 0), end = node.int("end", default: rank)
        if start < 0 { start += rank }
        if end < 0 { end += rank }
        start = min(max(start, 0), rank); end = min(max(end, start), rank)
        let dims = Array(shape[start..<end])
        define(node.outputs[0], Value(shape: [dims.count], constant: Tensor(shape: [dims.count], ints: dims), buffer: -1))
        consume(node)
    }

    private mutating func planRuntime(_ node: Node, index: Int) throws(EngineError) {
        let op = node.opType
        func fail(_ d: String) -> EngineError { .shapeMismatch(node: node.label, op: op, detail: d) }
        guard let firstName = node.input(0) else { throw fail("missing input 0") }
        switch op {
        // MARK: Convolutions
        case "Conv", "ConvTranspose":
            let x = try value(firstName, node)
            guard let weightName = node.input(1), let weight = constant(weightName), !weight.isInteger else {
                throw .unsupportedOperator(op: "\(op) with latent-dependent weights", node: node.label, supported: Operators.supported)
            }
            let transposed = op == "ConvTranspose"
            let g = try ConvGeometry(node: node, input: x.shape, weight: weight.shape, transposed: transposed)
            var w = weight.floats
            var bias = [Float](repeating: 0, count: g.outputChannels)
            if let biasName = node.input(2) {
                guard let b = constant(biasName), b.count == g.outputChannels else { throw fail("bias must be a constant of \(g.outputChannels) values") }
                bias = b.floats
            }
            var outName = node.outputs[0]
            // Fold a following BatchNormalization into weights and bias.
            if let (i, bn) = soleConsumer(of: outName), bn.opType == "BatchNormalization", bn.inputs.first == outName,
               let (scale, shift) = batchNormAffine(bn, channels: g.outputChannels) {
                fused.insert(i)
                let kk = g.kernelHeight * g.kernelWidth
                if transposed {
                    let cog = g.outputChannelsPerGroup
                    for c in 0..<g.inputChannels {
                        let group = c / g.inputChannelsPerGroup
                        for mo in 0..<cog {
                            let s = scale[group * cog + mo]
                            let base = (c * cog + mo) * kk
                            for t in 0..<kk { w[base + t] *= s }
                        }
                    }
                } else {
                    let rowLength = g.inputChannelsPerGroup * kk
                    for m in 0..<g.outputChannels { for t in 0..<rowLength { w[m * rowLength + t] *= scale[m] } }
                }
                for m in 0..<g.outputChannels { bias[m] = bias[m] * scale[m] + shift[m] }
                outName = bn.outputs[0]
            }
            let activation = fuseActivation(after: &outName)
            let outBuffer = newBuffer(try Limits.elementCount(g.outputShape, what: "\(op) '\(node.label)' output"))
            if !transposed, x.channelScale < 0, let kernels, WinogradProductStep.accepts(g, kernels: kernels), winograd {
                // Winograd F(2x2, 3x3): an input transform into the arena, then GEMMs + output transform.
                let transformedBuffer = newBuffer(WinogradInputStep.transformedCount(g))
                append(WinogradInputStep(name: node.label, geometry: g, inputID: x.buffer, outputID: transformedBuffer, parts: parts, kernels: kernels))
                append(WinogradProductStep(name: node.label, geometry: g, weights: w, bias: bias, activation: activation,
                                           inputID: transformedBuffer, outputID: outBuffer, parts: parts, kernels: kernels))
                define(outName, Value(shape: g.outputShape, constant: nil, buffer: outBuffer))
                return
            }
            let step: SingleInputStep = transposed
                ? ConvTransposeStep(name: node.label, geometry: g, weights: w, bias: bias, activation: activation, inputID: x.buffer, outputID: outBuffer, parts: parts, kernels: kernels)
                : ConvStep(name: node.label, geometry: g, weights: w, bias: bias, activation: activation, inputID: x.buffer, outputID: outBuffer, parts: parts, kernels: kernels)
            if x.channelScale >= 0 {
                let accepted = transposed ? ConvTransposeStep.acceptsInputScale(g, kernels: kernels) : ConvStep.acceptsInputScale(g, kernels: kernels)
                guard accepted else { throw fail("a fused channel gate reached a convolution that cannot apply it (planner bug)") }
                step.inputScaleID = x.channelScale
            }
            append(step)
            define(outName, Value(shape: g.outputShape, constant: nil, buffer: outBuffer))

        // MARK: Gemm / MatMul
        case "Gemm", "MatMul":
            guard let bName = node.input(1) else { throw fail("missing input 1") }
            let a = try value(firstName, node), b = try value(bName, node)
            let cTensor = constant(node.input(2))
            if node.input(2) != nil && cTensor == nil { throw .unsupportedOperator(op: "Gemm with a latent-dependent C", node: node.label, supported: Operators.supported) }
            let shape = try MatMulShape(node: node, a: a.shape, b: b.shape, c: cTensor?.shape)
            var biasMatrix: [Float]? = nil
            if let c = cTensor {
                let strides = ShapeMath.broadcastStrides(c.shape, to: [shape.m, shape.n])
                let cv = c.floats
                var full = [Float](repeating: 0, count: shape.m * shape.n)
                for i in 0..<shape.m { for j in 0..<shape.n { full[i * shape.n + j] = shape.beta * cv[i * strides[0] + j * strides[1]] } }
                biasMatrix = full
            }
            var outName = node.outputs[0]
            // MatMul + constant Add → bias.
            if op == "MatMul", shape.batch == 1, let (i, add) = soleConsumer(of: outName), add.opType == "Add" {
                let other = add.inputs.first == outName ? add.input(1) : add.input(0)
                if let other, let c = constant(other), !c.isInteger, c.shape.count <= 2,
                   (try? ShapeMath.broadcast(c.shape, [shape.m, shape.n], node: add)) == [shape.m, shape.n] {
                    let strides = ShapeMath.broadcastStrides(c.shape, to: [shape.m, shape.n])
                    let cv = c.floats
                    var full = [Float](repeating: 0, count: shape.m * shape.n)
                    for r in 0..<shape.m { for j in 0..<shape.n { full[r * shape.n + j] = cv[r * strides[0] + j * strides[1]] } }
                    biasMatrix = full
                    fused.insert(i)
                    outName = add.outputs[0]
                }
            }
            let activation = fuseActivation(after: &outName)
            let outBuffer = newBuffer(try Limits.elementCount(shape.outputShape, what: "\(op) '\(node.label)' output"))
            append(GemmStep(
                name: node.label, opType: op, shape: shape,
                aID: a.buffer, aConstant: a.constant?.floats, bID: b.buffer, bConstant: b.constant?.floats,
                biasMatrix: biasMatrix, activation: activation, outputID: outBuffer))
            define(outName, Value(shape: shape.outputShape, constant: nil, buffer: outBuffer))

        // MARK: Normalization
        case "BatchNormalization":
            let x = try value(firstName, node)
            guard x.shape.count >= 2, let (scale, shift) = batchNormAffine(node, channels: x.shape[1]) else {
                throw fail("needs constant scale, bias, mean and variance matching the channels of \(x.shape)")
            }
            var outName = node.outputs[0]
            let activation = fuseActivation(after: &outName)
            let outBuffer = canOverwrite(firstName) ? x.buffer : newBuffer(x.shape.reduce(1, *))
            append(ChannelAffineStep(name: node.label, opType: op, shape: x.shape, scale: scale, shift: shift, activation: activation, inputID: x.buffer, outputID: outBuffer, parts: parts))
            define(outName, Value(shape: x.shape, constant: nil, buffer: outBuffer))
        case "InstanceNormalization":
            let x = try value(firstName, node)
            guard x.shape.count >= 3, let s = constant(node.input(1)), let b = constant(node.input(2)),
                  s.count == x.shape[1], b.count == x.shape[1] else {
                throw fail("needs constant scale and bias matching the channels of \(x.shape)")
            }
            var outName = node.outputs[0]
            let activation = fuseActivation(after: &outName)
            let outBuffer = canOverwrite(firstName) ? x.buffer : newBuffer(x.shape.reduce(1, *))
            append(InstanceNormStep(name: node.label, shape: x.shape, scale: s.floats, bias: b.floats, epsilon: node.float("epsilon", default: 1e-5), activation: activation, inputID: x.buffer, outputID: outBuffer, parts: parts))
            define(outName, Value(shape: x.shape, constant: nil, buffer: outBuffer))

        // MARK: Unary
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Softplus", "Neg", "Exp", "Sqrt", "Abs":
            let x = try value(firstName, node)
            let unary: UnaryOperator
            if let act = Activation.fusable(node, constants: { self.constant($0) }) {
                unary = .activation(act)
            } else {
                switch op {
                case "Elu": unary = .elu(alpha: node.float("alpha", default: 1))
                case "Softplus": unary = .softplus
                case "Neg": unary = .negate
                case "Exp": unary = .exp
                case "Sqrt": unary = .squareRoot
                case "Abs": unary = .absolute
                default: throw fail("Clip bounds must be constants")
                }
            }
            let outBuffer = canOverwrite(firstName) ? x.buffer : newBuffer(x.shape.reduce(1, *))
            append(UnaryStep(name: node.label, opType: op, op: unary, count: x.shape.reduce(1, *), inputID: x.buffer, outputID: outBuffer, parts: parts))
            define(node.outputs[0], Value(shape: x.shape, constant: nil, buffer: outBuffer))

        // MARK: Binary
        case "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Min", "Max":
            guard let bName = node.input(1), let binary = BinaryOperator(op) else { throw fail("needs two inputs") }
            guard node.inputs.count == 2 else { throw fail("only two-input \(op) is supported") }
            let a = try value(firstName, node), b = try value(bName, node)
            if a.constant?.isInteger == true || b.constant?.isInteger == true {
                throw fail("mixes integer constants with float values")
            }
            var bShape = b.shape
            // PRelu's slope [C] (or [C,1,1]) broadcasts over channels of [N, C, H, W].
            if op == "PRelu", a.shape.count >= 3, b.shape.count >= 1, b.shape.reduce(1, *) == a.shape[1], b.shape.count < a.shape.count - 1 || b.shape == [a.shape[1]] {
                bShape = [a.shape[1]] + [Int](repeating: 1, count: a.shape.count - 2)
            }
            let outShape = try ShapeMath.broadcast(a.shape, bShape, node: node)
            _ = try Limits.elementCount(outShape, what: "\(op) '\(node.label)' output")
            guard BinaryStep.collapsedRank(outputShape: outShape, aShape: a.shape, bShape: bShape) <= 4 else {
                throw fail("broadcasting \(a.shape) with \(b.shape) is too irregular (more than 4 axis groups)")
            }
            if op == "Mul", let (x, gate) = channelGate(a, b, output: node.outputs[0]) {
                // Applied by the convolution that reads the product, as it copies its input.
                define(node.outputs[0], Value(shape: x.shape, constant: nil, buffer: x.buffer, channelScale: gate.buffer))
                return
            }
            var outName = node.outputs[0]
            let activation = fuseActivation(after: &outName)
            let outBuffer = newBuffer(outShape.reduce(1, *))
            append(BinaryStep(
                name: node.label, opType: op, op: binary, outputShape: outShape, aShape: a.shape, bShape: bShape,
                aID: a.buffer, aConstant: a.constant?.floats, bID: b.buffer, bConstant: b.constant?.floats,
                activation: activation, outputID: outBuffer, parts: parts))
            define(outName, Value(shape: outShape, constant: nil, buffer: outBuffer))

        // MARK: Views (no copy)
        case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast":
            let x = try value(firstName, node)
            var shape = x.shape
            switch op {
            case "Reshape":
                guard let target = constant(node.input(1)) else { throw fail("the target shape must be a constant (or fold to one)") }
                shape = try ShapeMath.reshape(x.shape, target: target.ints, allowZero: node.int("allowzero", default: 0) != 0, node: node)
            case "Flatten":
                let axis = node.int("axis", default: 1)
                let a = axis < 0 ? axis + x.shape.count : axis
                guard a >= 0, a <= x.shape.count else { throw fail("axis \(axis)") }
                shape = [x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)]
            case "Squeeze", "Unsqueeze":
                var axes: [Int]? = nil
                if let name = node.input(1) {
                    guard let c = constant(name) else { throw fail("axes must be constant") }
                    axes = c.ints
                }
                shape = try Reference.squeezeShape(node, x.shape, axes: axes)
            case "Cast":
                let to = node.int("to", default: 1)
                guard to == 1 || to == 10 || to == 11 else {
                    throw .unsupportedOperator(op: "Cast of a latent-dependent value to type \(to)", node: node.label, supported: Operators.supported)
                }
            default: break
            }
            define(node.outputs[0], Value(shape: shape, constant: nil, buffer: x.buffer))
            if node.opType == "Dropout", node.outputs.count > 1, !node.outputs[1].isEmpty, consumers[node.outputs[1]] ?? 0 > 0 {
                throw fail("the Dropout mask output is not supported")
            }

        // MARK: Copies
        case "Slice":
            let x = try value(firstName, node)
            guard let starts = constant(node.input(1)), let ends = constant(node.input(2)) else { throw fail("starts and ends must be constants") }
            var axes: [Int]? = nil, stepsList: [Int]? = nil
            if let n = node.input(3) { guard let c = constant(n) else { throw fail("axes must be constant") }; axes = c.ints }
            if let n = node.input(4) { guard let c = constant(n) else { throw fail("steps must be constant") }; stepsList = c.ints }
            let (shape, copy) = try SliceMath.slice(input: x.shape, starts: starts.ints, ends: ends.ints, axes: axes, steps: stepsList, node: node)
            let outBuffer = newBuffer(shape.reduce(1, *))
            append(CopyStep(name: node.label, opType: op, pieces: [(x.buffer, outBuffer, copy)]))
            define(node.outputs[0], Value(shape: shape, constant: nil, buffer: outBuffer))
        case "Split":
            let x = try value(firstName, node)
            let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: x.shape.count, node: node)
            var splitInput: [Int]? = nil
            if let n = node.input(1) { guard let c = constant(n) else { throw fail("split must be constant") }; splitInput = c.ints }
            let sizes = try Reference.splitSizes(node, dim: x.shape[axis], splitInput: splitInput)
            guard sizes.count == node.outputs.count else { throw fail("\(sizes.count) parts for \(node.outputs.count) outputs") }
            var pieces: [(source: Int, destination: Int, copy: CopyDescriptor)] = []
            var outputs: [(String, Value)] = []
            var start = 0
            for (name, size) in zip(node.outputs, sizes) {
                let (shape, copy) = try SliceMath.slice(input: x.shape, starts: [start], ends: [start + size], axes: [axis], steps: nil, node: node)
                let buffer = newBuffer(shape.reduce(1, *))
                pieces.append((x.buffer, buffer, copy))
                outputs.append((name, Value(shape: shape, constant: nil, buffer: buffer)))
                start += size
            }
            append(CopyStep(name: node.label, opType: op, pieces: pieces))
            for (name, v) in outputs where !name.isEmpty { define(name, v) }
        case "Concat":
            var parts: [(Int, [Int])] = []
            for name in node.inputs where !name.isEmpty {
                let v = try value(name, node)
                parts.append((try bufferFor(name, node), v.shape))
            }
            guard let first = parts.first?.1 else { throw fail("no inputs") }
            let axis = try ShapeMath.axis(node.int("axis", default: 0), rank: first.count, node: node)
            var outShape = first
            outShape[axis] = 0
            for (_, s) in parts {
                guard s.count == first.count, (0..<s.count).allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
                    throw fail("cannot concatenate \(s) with \(first) on axis \(axis)")
                }
                outShape[axis] += s[axis]
            }
            let outBuffer = newBuffer(try Limits.elementCount(outShape, what: "Concat '\(node.label)' output"))
            let outStrides = ShapeMath.strides(outShape)
            var pieces: [(source: Int, destination: Int, copy: CopyDescriptor)] = []
            var offset = 0
            for (buffer, s) in parts {
                pieces.append((buffer, outBuffer, CopyDescriptor(extent: s, sourceOffset: 0, sourceStrides: ShapeMath.strides(s), destinationOffset: offset * outStrides[axis], destinationStrides: outStrides)))
                offset += s[axis]
            }
            append(CopyStep(name: node.label, opType: op, pieces: pieces))
            define(node.outputs[0], Value(shape: outShape, constant: nil, buffer: outBuffer))
        case "Transpose":
            let x = try value(firstName, node)
            let copy = try Reference.transposeCopy(node, x.shape)
            let outBuffer = newBuffer(x.shape.reduce(1, *))
            append(CopyStep(name: node.label, opType: op, pieces: [(x.buffer, outBuffer, copy)]))
            define(node.outputs[0], Value(shape: copy.extent, constant: nil, buffer: outBuffer))
        case "Expand":
            let x = try value(firstName, node)
            guard let target = constant(node.input(1)) else { throw fail("the shape must be constant") }
            let shape = try ShapeMath.broadcast(x.shape, target.ints, node: node)
            let outBuffer = newBuffer(try Limits.elementCount(shape, what: "Expand '\(node.label)' output"))
            let copy = CopyDescriptor(extent: shape, sourceOffset: 0, sourceStrides: ShapeMath.broadcastStrides(x.shape, to: shape), destinationOffset: 0, destinationStrides: ShapeMath.strides(shape))
            append(CopyStep(name: node.label, opType: op, pieces: [(x.buffer, outBuffer, copy)]))
            define(node.outputs[0], Value(shape: shape, constant: nil, buffer: outBuffer))

        // MARK: Resampling and pooling
        case "Resize", "Upsample":
            let x = try value(firstName, node)
            var constInputs: [Tensor?] = [nil]
            for i in 1..<max(node.inputs.count, 1) {
                guard let name = node.input(i) else { constInputs.append(nil); continue }
                guard let c = constant(name) else { throw fail("roi, scales and sizes must be constants") }
                constInputs.append(c)
            }
            let (scales, sizes) = Reference.resizeInputs(node, constInputs)
            let tables = try ResizeTables(node: node, input: x.shape, scales: scales, sizes: sizes)
            let outBuffer = newBuffer(tables.outputShape.reduce(1, *))
            append(ResizeStep(name: node.label, opType: op, tables: tables, inputID: x.buffer, outputID: outBuffer, parts: parts))
            define(node.outputs[0], Value(shape: tables.outputShape, constant: nil, buffer: outBuffer))
        case "GlobalAveragePool", "AveragePool", "MaxPool":
            let x = try value(firstName, node)
            if node.outputs.count > 1, consumers[node.outputs[1]] ?? 0 > 0 { throw fail("MaxPool indices are not supported") }
            let g = try PoolGeometry(node: node, input: x.shape)
            let outBuffer = newBuffer(g.outputShape.reduce(1, *))
            append(PoolStep(name: node.label, opType: op, geometry: g, inputID: x.buffer, outputID: outBuffer, parts: parts))
            define(node.outputs[0], Value(shape: g.outputShape, constant: nil, buffer: outBuffer))
        default:
            throw .unsupportedOperator(op: op, node: node.label, supported: Operators.supported)
        }
    }

    /// BatchNormalization as a per-channel affine map, when its parameters are constants.
    /// For `Mul(a, b)`: the feature map [N, C, H, W] and the gate [N, C, 1, 1] (either order), when
    /// the product's only reader is a convolution that can scale its input channels itself (the
    /// skip-layer excitation of FastGAN: `feature · sigmoid(...)` followed by a convolution).
    private func channelGate(_ a: Value, _ b: Value, output: String) -> (feature: Value, gate: Value)? {
        guard kernels != nil, a.constant == nil, b.constant == nil, a.channelScale < 0, b.channelScale < 0,
              a.shape.count == 4, b.shape.count == 4 else { return nil }
        let (x, gate) = b.shape[2] == 1 && b.shape[3] == 1 ? (a, b) : (b, a)
        guard gate.shape == [x.shape[0], x.shape[1], 1, 1], x.shape[2] * x.shape[3] > 1,
              let (_, consumer) = soleConsumer(of: output), consumer.inputs.first == output,
              consumer.opType == "Conv" || consumer.opType == "ConvTranspose",
              let weight = constant(consumer.input(1)),
              let g = try? ConvGeometry(node: consumer, input: x.shape, weight: weight.shape, transposed: consumer.opType == "ConvTranspose")
        else { return nil }
        let accepted = g.transposed ? ConvTransposeStep.acceptsInputScale(g, kernels: kernels) : ConvStep.acceptsInputScale(g, kernels: kernels)
        return accepted ? (x, gate) : nil
    }

    private func batchNormAffine(_ node: Node, channels: Int) -> (scale: [Float], shift: [Float])? {
        guard let g = constant(node.input(1)), let b = constant(node.input(2)),
              let mean = constant(node.input(3)), let variance = constant(node.input(4)),
              g.count == channels, b.count == channels, mean.count == channels, variance.count == channels else { return nil }
        if node.outputs.count > 1, node.outputs.dropFirst().contains(where: { !$0.isEmpty && (consumers[$0] ?? 0) > 0 }) { return nil }
        let eps = node.float("epsilon", default: 1e-5)
        let gv = g.floats, bv = b.floats, mv = mean.floats, vv = variance.floats
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = gv[c] / (vv[c] + eps).squareRoot()
            shift[c] = bv[c] - mv[c] * scale[c]
        }
        return (scale, shift)
    }

    // MARK: Arena layout

    /// Computes buffer lifetimes, packs them into one arena (greedy, largest first) and binds steps.
    private mutating func layout(inputBuffer: Int, inputShape: [Int], outputBuffer: Int, outputShape: [Int]) throws(EngineError) -> ExecutionPlan {
        for (s, step) in steps.enumerated() {
            for id in step.reads + step.writes + (step.scratchID >= 0 ? [step.scratchID] : []) where id >= 0 {
                buffers[id].first = min(buffers[id].first, s)
                buffers[id].last = max(buffers[id].last, s)
            }
        }
        for i in buffers.indices {
            if buffers[i].pinned { buffers[i].first = -1; buffers[i].last = Int.max }
            if buffers[i].last < buffers[i].first { buffers[i].first = -1; buffers[i].last = -1 }
        }
        let alignment = 16
        var offsets = [Int](repeating: -1, count: buffers.count)
        var placed: [(start: Int, end: Int, first: Int, last: Int)] = []
        var total = 0
        for i in buffers.indices.sorted(by: { buffers[$0].count > buffers[$1].count }) {
            let b = buffers[i]
            let size = (b.count + alignment - 1) / alignment * alignment
            var overlapping = placed.filter { !($0.last < b.first || b.last < $0.first) }
            overlapping.sort { $0.start < $1.start }
            var candidate = 0
            for p in overlapping {
                if candidate + size <= p.start { break }
                candidate = max(candidate, p.end)
            }
            offsets[i] = candidate
            placed.append((candidate, candidate + size, b.first, b.last))
            total = max(total, candidate + size)
            guard total <= Limits.maxArenaElements else {
                throw .tooLarge(what: "the activation arena", detail: "more than \(Limits.maxArenaElements) floats")
            }
        }
        let plan = ExecutionPlan(
            steps: steps, arenaCount: total, offsets: offsets,
            initialData: buffers.enumerated().compactMap { i, b in b.initial.map { (offsets[i], $0) } },
            inputOffset: offsets[inputBuffer], inputShape: inputShape,
            outputOffset: offsets[outputBuffer], outputShape: outputShape, threads: threads)
        return plan
    }
}
