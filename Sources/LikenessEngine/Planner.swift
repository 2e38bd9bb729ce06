import Foundation

// MARK: - Planner

/// Turns a ``Graph`` into an ``ExecutionPlan`` for one fixed batch size.
///
/// Passes: topological sort (cycle check) and dead-node pruning → ``Fusion`` (graph to graph:
/// upsampling into convolutions, BatchNorm folding, activations, channel gates, MatMul + bias,
/// band chains) → one walk over the nodes that
/// folds what is constant (through each operator's reference) and lowers the rest to steps
/// (through each operator's ``OperatorDefinition/lower(_:_:)``) → liveness of every buffer →
/// arena layout. Operators find everything they need here through the methods under
/// "For operator definitions".
struct Planner {
    let graph: Graph
    let batchSize: Int
    let threads: Int
    /// The packed GEMM for convolutions; nil: OpenBLAS sgemm.
    let kernels: PackedKernels?
    /// Whether 3x3 convolutions may run as Winograd F(2x2, 3x3) (``EngineOptions/winograd``).
    let winograd: Bool
    /// Whether the ``Fusion`` pass runs (``EngineOptions/fusion``).
    let fusion: Bool
    /// Whether runs of same-size convolutions become ``BandChain``s (``EngineOptions/bandChains``).
    let bandChains: Bool
    /// Output rows per band of a ``BandChain`` (``EngineOptions/bandRows``).
    let bandRows: Int

    private struct Value {
        var shape: [Int]
        var constant: Tensor?
        var buffer: Int
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
    private var steps: [Step] = []

    init(graph: Graph, batchSize: Int, threads: Int, kernels: PackedKernels? = PackedKernels.current,
         winograd: Bool = true, fusion: Bool = true, bandChains: Bool = true, bandRows: Int = EngineOptions.defaultBandRows) {
        self.graph = graph
        self.bandChains = bandChains
        self.bandRows = bandRows
        self.batchSize = batchSize
        self.threads = threads
        self.kernels = kernels
        self.winograd = winograd
        self.fusion = fusion
    }

    // MARK: Entry point

    mutating func plan() throws(EngineError) -> ExecutionPlan {
        var live = graph
        live.nodes = try sortedLiveNodes()
        if fusion { live = Fusion.run(live, bandChains: bandChains && kernels != nil) }
        for node in live.nodes {
            for name in node.reads where !name.isEmpty { consumers[name, default: 0] += 1 }
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
        for (name, tensor) in live.initializers where values[name] == nil {
            values[name] = Value(shape: tensor.shape, constant: tensor, buffer: -1)
        }

        for node in live.nodes { try plan(node) }

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

    private mutating func define(_ name: String, _ value: Value) {
        values[name] = value
        if value.buffer >= 0 { references[value.buffer] += consumers[name] ?? 0 }
    }

    private func value(_ name: String, _ node: Node) throws(EngineError) -> Value {
        guard let v = values[name] else { throw .undefinedValue(name: name, node: node.label) }
        return v
    }

    /// Marks everything the node (and what was fused into it) reads as consumed, for in-place decisions.
    private mutating func consume(_ node: Node) {
        for name in node.reads where !name.isEmpty {
            if let b = values[name]?.buffer, b >= 0 { references[b] -= 1 }
        }
    }

    // MARK: Node planning

    private mutating func plan(_ node: Node) throws(EngineError) {
        guard let definition = OperatorRegistry.definition(for: node) else {
            throw .unsupportedOperator(op: node.opType, node: node.label, supported: OperatorRegistry.opTypes.sorted())
        }
        for o in node.resultNames where !o.isEmpty && values[o] != nil && graph.initializers[o] == nil {
            throw node.attributeError("output '\(o)' is defined twice")
        }
        if node.hasFusedNodes {
            // Fusion only groups latent-dependent nodes; should the group fold after all, fold it part by part.
            // (The first node's inputs decide: the others read its result and constants.)
            if node.unfused[0].inputs.allSatisfy({ $0.isEmpty || isConstant($0) }) {
                for part in node.unfused { try plan(part) }
                return
            }
            try definition.lower(node, &self)
            consume(node)
            return
        }

        // Everything constant: evaluate now (through the operator's reference).
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
                try defineConstant(name, tensor)
            }
            return
        }
        try definition.lower(node, &self)
        consume(node)
    }

    // MARK: For operator definitions

    /// How many reads of `name` the graph has (the graph output counts as one).
    func consumerCount(_ name: String) -> Int { consumers[name] ?? 0 }

    /// Threads a step may split its work into.
    var parts: Int { threads }

    /// The shape of a value the node reads.
    func shape(of name: String, _ node: Node) throws(EngineError) -> [Int] { try value(name, node).shape }

    /// The value of `name` when it is a constant (an initializer or folded); nil for nil.
    func constantValue(_ name: String?) -> Tensor? {
        guard let name else { return nil }
        return values[name]?.constant
    }

    /// Whether `name` is known at load time.
    func isConstant(_ name: String) -> Bool { values[name]?.constant != nil }

    /// Whether anything reads `name` (a node or the graph output).
    func isRead(_ name: String) -> Bool { (consumers[name] ?? 0) > 0 }

    /// A new arena buffer of `count` floats.
    mutating func newBuffer(_ count: Int, pinned: Bool = false, initial: [Float]? = nil) -> Int {
        buffers.append(Buffer(count: max(count, 1), pinned: pinned, initial: initial))
        references.append(0)
        return buffers.count - 1
    }

    /// A new buffer for the node's output of `shape`, after checking its size.
    mutating func newOutput(_ shape: [Int], _ node: Node) throws(EngineError) -> Int {
        newBuffer(try Limits.elementCount(shape, what: "\(node.opType) '\(node.label)' output"))
    }

    /// The arena buffer holding `name` (a pinned copy for a float constant).
    mutating func buffer(of name: String, _ node: Node) throws(EngineError) -> Int {
        let v = try value(name, node)
        if v.buffer >= 0 { return v.buffer }
        guard let c = v.constant, !c.isInteger else { throw node.shapeError("'\(name)' is not a float tensor") }
        let id = newBuffer(c.count, pinned: true, initial: c.floats)
        values[name]?.buffer = id
        return id
    }

    /// The buffer for an elementwise node's output: its input's own buffer when nothing else reads
    /// that any more (in place), else a new one.
    mutating func outputReplacing(_ name: String, count: Int) -> Int {
        if let v = values[name], v.buffer >= 0, !buffers[v.buffer].pinned, references[v.buffer] == 1 { return v.buffer }
        return newBuffer(count)
    }

    /// Appends a step (and its scratch buffer).
    mutating func append(_ step: Step) {
        if step.scratchCount > 0 {
            step.scratchID = newBuffer(step.scratchCount)
        }
        steps.append(step)
    }

    /// Defines a latent-dependent value in `buffer`.
    mutating func defineRuntime(_ name: String, shape: [Int], buffer: Int) {
        define(name, Value(shape: shape, constant: nil, buffer: buffer))
    }

    /// Defines a value known at load time (a folded result).
    mutating func defineConstant(_ name: String, _ tensor: Tensor) throws(EngineError) {
        _ = try Limits.elementCount(tensor.shape, what: "constant '\(name)'")
        if case .float(let f) = tensor.storage { try ModelLoader.checkFinite(f, name: name) }
        define(name, Value(shape: tensor.shape, constant: tensor, buffer: -1))
    }

    /// Defines `name` as another name for the value `source` (a view: same buffer, new shape).
    mutating func defineView(_ name: String, of source: String, shape: [Int], _ node: Node) throws(EngineError) {
        let v = try value(source, node)
        define(name, Value(shape: shape, constant: nil, buffer: v.buffer))
    }

    /// Lowers a single-input, single-output rearrangement to one strided copy.
    mutating func lowerCopy(_ node: Node, _ makeCopy: ([Int]) throws(EngineError) -> ([Int], CopyDescriptor)) throws(EngineError) {
        guard let name = node.input(0) else { throw node.shapeError("missing input 0") }
        let (shape, copy) = try makeCopy(try value(name, node).shape)
        let inputBuffer = try buffer(of: name, node)
        let output = try newOutput(shape, node)
        append(CopyStep(name: node.label, opType: node.opType, pieces: [(inputBuffer, output, copy)]))
        defineRuntime(node.outputs[0], shape: shape, buffer: output)
    }

    /// Lowers a node that ``Fusion`` proposed but that its operator cannot run fused after all
    /// (the shapes say no): every node of the group on its own, in order. Consumption is
    /// counted once, for the whole group, by the caller.
    /// Lowers one member of a group on its own, through its operator (consumption counted by the caller).
    mutating func lowerMember(_ node: Node) throws(EngineError) {
        guard let definition = OperatorRegistry.definition(for: node.opType) else {
            throw .unsupportedOperator(op: node.opType, node: node.label, supported: OperatorRegistry.opTypes.sorted())
        }
        try definition.lower(node, &self)
    }

    mutating func lowerUnfused(_ node: Node) throws(EngineError) {
        for part in node.unfused {
            guard let definition = OperatorRegistry.definition(for: part.opType) else {
                throw .unsupportedOperator(op: part.opType, node: part.label, supported: OperatorRegistry.opTypes.sorted())
            }
            try definition.lower(part, &self)
        }
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
        for step in steps {
            step.bytesMoved = Set(step.reads + step.writes).filter { $0 >= 0 }.reduce(0) { $0 + buffers[$1].count * MemoryLayout<Float>.size }
        }
        let plan = ExecutionPlan(
            steps: steps, arenaCount: total, offsets: offsets,
            initialData: buffers.enumerated().compactMap { i, b in b.initial.map { (offsets[i], $0) } },
            inputOffset: offsets[inputBuffer], inputShape: inputShape,
            outputOffset: offsets[outputBuffer], outputShape: outputShape, threads: threads)
        return plan
    }
}
