// MARK: - OperatorDefinition

/// One ONNX operator in one file: its shape rule and reference evaluation (``evaluate(_:_:)``,
/// used for constant folding and as the reference the kernels are tested against) and its
/// lowering to steps (``lower(_:_:)``), next to the step that runs it.
///
/// Adding an operator is one new file in `Operators/` and one line in ``OperatorRegistry/all``.
protocol OperatorDefinition {
    /// The ONNX operator names this definition handles.
    static var opTypes: [String] { get }
    /// Evaluates a node whose inputs are all constants (`inputs[i]` nil for an omitted optional input).
    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor]
    /// Plans a node that reads latent-dependent values: defines its outputs and appends its steps.
    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError)
}

// MARK: - RearrangingOperator

/// An operator that only moves the values of its one input (DepthToSpace, SpaceToDepth,
/// Transpose): its definition is the output shape and one strided copy; the reference and the
/// lowering follow from it.
protocol RearrangingOperator: OperatorDefinition {
    /// The output shape and the copy that produces it from a contiguous input of shape `input`.
    static func copy(_ node: Node, input: [Int]) throws(EngineError) -> ([Int], CopyDescriptor)
}

extension RearrangingOperator {
    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let x = try node.required(inputs, 0)
        let (shape, copy) = try self.copy(node, input: x.shape)
        return [Tensor(shape: shape, storage: Reference.stridedCopy(x.storage, copy, count: shape.reduce(1, *)))]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        try lowering.lowerCopy(node) { (shape: [Int]) throws(EngineError) in try copy(node, input: shape) }
    }
}

// MARK: - OperatorRegistry

/// Every operator defined in `Operators/`, found by name.
enum OperatorRegistry {
    static let all: [any OperatorDefinition.Type] = [
        // Convolutions and matrix products
        Conv.self, ConvTranspose.self, Gemm.self,
        // Normalization
        BatchNormalization.self, InstanceNormalization.self,
        // Elementwise
        UnaryElementwise.self, BinaryElementwise.self,
        // Views
        Reshape.self, Squeeze.self, Identity.self,
        // Copies
        SliceOperator.self, Split.self, Concat.self, Transpose.self, Expand.self,
        DepthToSpace.self, SpaceToDepth.self, Pad.self,
        // Resampling and pooling
        Resize.self, Pool.self,
        // Shape arithmetic (folded at load)
        Constant.self, Shape.self, Gather.self, RangeOperator.self, Where.self,
    ]

    private static let byName: [String: any OperatorDefinition.Type] = {
        var table: [String: any OperatorDefinition.Type] = [:]
        for definition in all {
            for name in definition.opTypes {
                precondition(table[name] == nil, "operator \(name) is registered twice")
                table[name] = definition
            }
        }
        return table
    }()

    static func definition(for opType: String) -> (any OperatorDefinition.Type)? { byName[opType] }

    /// The groups ``Fusion`` proposes as one node with ``Node/members`` (never read from a file: a
    /// file's node of that name is an unknown operator).
    static let fusedGroups: [any OperatorDefinition.Type] = [BandChain.self]

    /// The definition that lowers `node`: its operator's, or for a proposed group its group's.
    static func definition(for node: Node) -> (any OperatorDefinition.Type)? {
        node.members.isEmpty ? byName[node.opType] : fusedGroups.first { $0.opTypes.contains(node.opType) }
    }

    /// Names of every registered operator.
    static var opTypes: [String] { all.flatMap { $0.opTypes } }
}

// MARK: - Helpers

extension Node {
    /// A shape error at this node.
    func shapeError(_ detail: String) -> EngineError { .shapeMismatch(node: label, op: opType, detail: detail) }
    /// An attribute error at this node.
    func attributeError(_ detail: String) -> EngineError { .badAttribute(node: label, op: opType, detail: detail) }

    /// The constant input at `index`, required.
    func required(_ inputs: [Tensor?], _ index: Int) throws(EngineError) -> Tensor {
        guard index < inputs.count, let t = inputs[index] else { throw shapeError("missing input \(index)") }
        return t
    }
}
