// MARK: - Tensor

/// A tensor known at load time: a weight, a constant, or the result of constant folding.
///
/// Layout is row-major (C order), like ONNX. Integer tensors (shapes, indices, axes) keep `Int`
/// values; everything else is `Float` (float16 and float64 weights are converted at load).
struct Tensor: Equatable, Sendable {
    enum Storage: Equatable, Sendable {
        case float([Float])
        case int([Int])
    }

    var shape: [Int]
    var storage: Storage

    init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "tensor shape \(shape) does not match \(floats.count) values")
        self.shape = shape
        self.storage = .float(floats)
    }

    init(shape: [Int], ints: [Int]) {
        precondition(shape.reduce(1, *) == ints.count, "tensor shape \(shape) does not match \(ints.count) values")
        self.shape = shape
        self.storage = .int(ints)
    }

    init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    var count: Int { shape.reduce(1, *) }
    var isInteger: Bool { if case .int = storage { return true } else { return false } }

    /// The values as floats (integers converted).
    var floats: [Float] {
        switch storage {
        case .float(let f): return f
        case .int(let i): return i.map { Float($0) }
        }
    }

    /// The values as integers (floats truncated toward zero).
    var ints: [Int] {
        switch storage {
        case .int(let i): return i
        case .float(let f): return f.map { $0.isFinite ? Int($0) : 0 }
        }
    }
}

// MARK: - Attribute

/// One ONNX node attribute, reduced to the kinds generators use.
enum Attribute: Equatable, Sendable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
    case tensor(Tensor)
}

// MARK: - Node

/// One operator application in the graph, with the exporter's names.
struct Node: Equatable, Sendable {
    var opType: String
    var name: String
    /// Input value names; an empty string marks an omitted optional input.
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: Attribute]

    // Set by ``Fusion``; a node from a file has none of these.
    /// An activation applied to the result in the kernel's epilogue (an absorbed Relu, Clip, …).
    var activation: Activation = .none
    /// A channel-gate `Mul` whose product is this convolution's input 0, to be applied as the
    /// kernel reads its input (zero or one node).
    var inputGate: [Node] = []
    /// An `Add` of a constant that reads this node's output, folded into its bias (zero or one node).
    var addend: [Node] = []
    /// The nodes of a group ``Fusion`` proposed as one step (a ``BandChain``), in order; this node's
    /// `inputs` are then what the group reads from outside, its `outputs` the group's last value.
    var members: [Node] = []

    init(opType: String, name: String, inputs: [String], outputs: [String], attributes: [String: Attribute]) {
        self.opType = opType
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    func int(_ key: String, default value: Int) -> Int {
        if case .int(let v)? = attributes[key] { return v }
        return value
    }

    func float(_ key: String, default value: Float) -> Float {
        if case .float(let v)? = attributes[key] { return v }
        if case .int(let v)? = attributes[key] { return Float(v) }
        return value
    }

    func string(_ key: String, default value: String) -> String {
        if case .string(let v)? = attributes[key] { return v }
        return value
    }

    func ints(_ key: String) -> [Int]? {
        switch attributes[key] {
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: return nil
        }
    }

    func floats(_ key: String) -> [Float]? {
        switch attributes[key] {
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: return nil
        }
    }

    /// The input at `index`, or nil when absent or the empty name.
    func input(_ index: Int) -> String? {
        guard index < inputs.count, !inputs[index].isEmpty else { return nil }
        return inputs[index]
    }

    /// A short label for messages: the node name, or its first output when unnamed.
    var label: String { name.isEmpty ? (outputs.first ?? opType) : name }

    // MARK: Fused groups

    /// Whether ``Fusion`` attached other nodes to this one.
    var hasFusedNodes: Bool { !inputGate.isEmpty || !addend.isEmpty || !members.isEmpty }

    /// Every value the node and the nodes fused into it read.
    var reads: [String] { inputGate.flatMap(\.inputs) + inputs + addend.flatMap(\.inputs) }

    /// The values the group defines: the last node's outputs.
    var resultNames: [String] { addend.last?.outputs ?? outputs }

    /// The group as separate nodes in order (the gate, this node, the addend; or the members).
    var unfused: [Node] {
        if !members.isEmpty { return members }
        var base = self
        base.inputGate = []
        base.addend = []
        return inputGate + [base] + addend
    }
}

// MARK: - Graph

/// A model after parsing: nodes, weights, the single input and output, and metadata.
///
/// Input dimensions that the file leaves symbolic (`dim_param`) are `nil` in ``inputShape``.
struct Graph: Sendable {
    var nodes: [Node]
    var initializers: [String: Tensor]
    var inputName: String
    /// Declared input shape; `nil` for a symbolic dimension (the batch, usually).
    var inputShape: [Int?]
    var outputName: String
    var metadata: [String: String]
    var opsetVersion: Int
}
