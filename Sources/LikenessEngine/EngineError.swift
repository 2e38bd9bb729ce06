// MARK: - EngineError

/// Everything that can go wrong while loading or planning a generator model.
///
/// Every case carries what a user needs to act on it, and every ``description`` ends with a hint.
/// Errors are thrown only at load time: once a ``Generator`` exists, rendering never fails.
public enum EngineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read from disk.
    case unreadableFile(path: String, reason: String)
    /// The bytes are not a valid ONNX protobuf (truncated, or not protobuf at all).
    case notONNX(reason: String)
    /// The model's operator set is older than the supported minimum.
    case unsupportedOpset(found: Int, minimum: Int)
    /// The graph does not have exactly one input / one output.
    case inputOutputCount(what: String, count: Int)
    /// The graph input or output has the wrong rank, dtype or shape.
    case badSignature(String)
    /// An operator the engine does not implement.
    case unsupportedOperator(op: String, node: String, supported: [String])
    /// A node is missing an attribute, has an out-of-range attribute or an unsupported mode.
    case badAttribute(node: String, op: String, detail: String)
    /// A tensor uses a data type the engine cannot read.
    case unsupportedDataType(tensor: String, dataType: Int)
    /// A tensor stores its data in an external file.
    case externalData(tensor: String)
    /// A weight holds NaN or infinity.
    case nonFiniteWeight(tensor: String, index: Int)
    /// A tensor's data does not match its declared shape.
    case malformedTensor(tensor: String, detail: String)
    /// A shape is absurd: an overflow, a negative dimension or more memory than the engine allows.
    case tooLarge(what: String, detail: String)
    /// Shapes that do not fit together at a node.
    case shapeMismatch(node: String, op: String, detail: String)
    /// A node reads a value that nothing produces.
    case undefinedValue(name: String, node: String)
    /// The graph has a cycle.
    case cycle(node: String)
    /// The caller asked for something impossible (batch size 0, …).
    case invalidArgument(String)
    /// A lineage extractor that breaks its contract (picture `[1, 3, S, S]` in, embedding `[1, D]` out).
    case badLineageExtractor(String)

    public var description: String { Self.singleLine(text) }

    private var text: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read model file '\(path)': \(reason); check the path and the file's permissions"
        case .notONNX(let reason):
            return "not a valid ONNX model (\(reason)); the file may be truncated or not an .onnx file, re-export it with Models/training/export.py"
        case .unsupportedOpset(let found, let minimum):
            return "ONNX opset \(found) is too old (need >= \(minimum)); re-export with torch.onnx.export(..., opset_version=17)"
        case .inputOutputCount(let what, let count):
            return "the model has \(count) \(what)s but a generator needs exactly one (input 'z' [N, zDim], output 'image' [N, 3, H, W]); re-export with Models/training/export.py"
        case .badSignature(let detail):
            return "\(detail); a generator takes 'z' float32 [N, zDim] and returns 'image' float32 [N, 3, H, W], re-export with Models/training/export.py"
        case .unsupportedOperator(let op, let node, let supported):
            return "unsupported operator '\(op)' at node '\(node)' (supported: \(supported.joined(separator: ", "))); re-export with Models/training/export.py using only these operators"
        case .badAttribute(let node, let op, let detail):
            return "\(op) node '\(node)': \(detail); re-export the model with a standard exporter (torch.onnx.export, opset 17)"
        case .unsupportedDataType(let tensor, let dataType):
            return "tensor '\(tensor)' has unsupported ONNX data type \(dataType) (supported: float32, float16, float64, int64, int32, bool); convert the weights to float32 or float16"
        case .externalData(let tensor):
            return "tensor '\(tensor)' keeps its data in an external file, which Likeness does not load; save with onnx.save(model, path, save_as_external_data=False)"
        case .nonFiniteWeight(let tensor, let index):
            return "weight '\(tensor)' holds NaN or infinity at element \(index); the checkpoint is broken, re-train or re-export it"
        case .malformedTensor(let tensor, let detail):
            return "tensor '\(tensor)' is malformed: \(detail); the file may be truncated or corrupt, re-export it"
        case .tooLarge(let what, let detail):
            return "\(what) is too large: \(detail); Likeness refuses shapes that would need more than \(Limits.maxBytesDescription) of memory, check the model's dimensions"
        case .shapeMismatch(let node, let op, let detail):
            return "\(op) node '\(node)': \(detail); the model is inconsistent, re-export it"
        case .undefinedValue(let name, let node):
            return "node '\(node)' reads '\(name)', which no node, weight or input defines; the graph is broken, re-export it"
        case .cycle(let node):
            return "the graph has a cycle through node '\(node)'; a generator must be a directed acyclic graph, re-export it"
        case .invalidArgument(let detail):
            return "\(detail)"
        case .badLineageExtractor(let detail):
            return "\(detail); a lineage extractor takes 'image' float32 [1, 3, S, S] and returns 'embedding' float32 [1, D] with metadata likeness.stage = lineage, rebuild it with Models/training/build_lineage.py"
        }
    }

    /// `text` on one line: names taken from the input (a node, an operator) may hold line breaks or
    /// other control characters, which are written as escapes (`\n`, `\u{7}`) so an error stays one line.
    /// (The show's errors use it too.)
    public static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isBreaking) else { return text }
        var line = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where isBreaking(scalar): line += "\\u{\(String(scalar.value, radix: 16))}"
            default: line.unicodeScalars.append(scalar)
            }
        }
        return line
    }

    private static func isBreaking(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}

// MARK: - Limits

/// Hard limits checked at load time, before anything is allocated.
enum Limits {
    /// Largest element count of any single tensor (weights or activations): 256 Mi floats = 1 GiB.
    static let maxElements = 1 << 28
    /// Largest total arena, in floats: 512 Mi floats = 2 GiB.
    static let maxArenaElements = 1 << 29
    /// Largest rank of any tensor.
    static let maxRank = 8
    static let maxBytesDescription = "2 GiB"

    /// Multiplies `dims` with overflow checks; throws ``EngineError/tooLarge(what:detail:)`` past ``maxElements``.
    static func elementCount(_ dims: [Int], what: String) throws(EngineError) -> Int {
        guard dims.count <= maxRank else {
            throw .tooLarge(what: what, detail: "rank \(dims.count) exceeds \(maxRank)")
        }
        var count = 1
        for d in dims {
            guard d >= 0 else { throw .tooLarge(what: what, detail: "negative dimension in \(dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else {
                throw .tooLarge(what: what, detail: "shape \(dims) has more than \(maxElements) elements")
            }
            count = product
        }
        return count
    }
}
