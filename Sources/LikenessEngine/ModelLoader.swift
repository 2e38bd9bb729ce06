import Foundation
import SwiftProtobuf

// MARK: - ModelLoader

/// Parses ONNX bytes into a ``Graph`` and validates everything that can be checked without shapes.
///
/// Checks: protobuf well-formed, opset >= 13, one graph input (weights excluded) and one output,
/// tensor data types, sizes (overflow-safe, before allocating), external data, NaN/Inf weights.
enum ModelLoader {
    static let minimumOpset = 13

    static func load(contentsOf url: URL) throws(EngineError) -> Graph {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            var reason = (error as NSError).localizedDescription
            while reason.hasSuffix(".") { reason.removeLast() }
            throw .unreadableFile(path: url.path, reason: reason)
        }
        return try parse(data)
    }

    static func parse(_ data: Data) throws(EngineError) -> Graph {
        guard !data.isEmpty else { throw .notONNX(reason: "the file is empty") }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw .notONNX(reason: "protobuf decoding failed: \(error)")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw .notONNX(reason: "no graph with nodes found")
        }
        var opset = 0
        for entry in model.opsetImport where entry.domain.isEmpty || entry.domain == "ai.onnx" {
            opset = max(opset, Int(entry.version))
        }
        guard opset >= minimumOpset else { throw .unsupportedOpset(found: opset, minimum: minimumOpset) }

        let graph = model.graph
        var initializers: [String: Tensor] = [:]
        for proto in graph.initializer {
            initializers[proto.name] = try tensor(from: proto, name: proto.name)
        }
        for proto in graph.sparseInitializer {
            throw .unsupportedDataType(tensor: proto.values.name, dataType: -1)
        }

        let realInputs = graph.input.filter { initializers[$0.name] == nil }
        guard realInputs.count == 1 else { throw .inputOutputCount(what: "input", count: realInputs.count) }
        guard graph.output.count == 1 else { throw .inputOutputCount(what: "output", count: graph.output.count) }
        let input = realInputs[0]
        guard input.type.tensorType.elemType == 1 else {
            throw .badSignature("input '\(input.name)' has ONNX data type \(input.type.tensorType.elemType), not float32 (1)")
        }
        var inputShape: [Int?] = []
        for dim in input.type.tensorType.shape.dim {
            switch dim.value {
            case .dimValue(let v)?:
                guard v > 0, v <= Int64(Limits.maxElements) else {
                    throw .tooLarge(what: "input '\(input.name)'", detail: "dimension \(v)")
                }
                inputShape.append(Int(v))
            default:
                inputShape.append(nil)
            }
        }

        var nodes: [Node] = []
        nodes.reserveCapacity(graph.node.count)
        for (index, proto) in graph.node.enumerated() {
            let name = proto.name.isEmpty ? "\(proto.opType)_\(index)" : proto.name
            if !(proto.domain.isEmpty || proto.domain == "ai.onnx") {
                throw .unsupportedOperator(op: "\(proto.domain).\(proto.opType)", node: name, supported: OperatorRegistry.opTypes.sorted())
            }
            var attributes: [String: Attribute] = [:]
            for attr in proto.attribute {
                attributes[attr.name] = try attribute(from: attr, node: name)
            }
            nodes.append(Node(opType: proto.opType, name: name, inputs: proto.input, outputs: proto.output, attributes: attributes))
        }

        var metadata: [String: String] = [:]
        for entry in model.metadataProps { metadata[entry.key] = entry.value }

        return Graph(
            nodes: nodes, initializers: initializers,
            inputName: input.name, inputShape: inputShape,
            outputName: graph.output[0].name, metadata: metadata, opsetVersion: opset)
    }

    // MARK: Attributes

    static func attribute(from proto: Onnx_AttributeProto, node: String) throws(EngineError) -> Attribute {
        switch proto.type {
        case .float: return .float(proto.f)
        case .int: return .int(try checkedInt(proto.i, node: node))
        case .string: return .string(String(decoding: proto.s, as: UTF8.self))
        case .tensor: return .tensor(try tensor(from: proto.t, name: "\(node).\(proto.name)"))
        case .floats: return .floats(proto.floats)
        case .ints:
            var values: [Int] = []
            values.reserveCapacity(proto.ints.count)
            for v in proto.ints { values.append(try checkedInt(v, node: node)) }
            return .ints(values)
        default:
            // Graph-valued and sparse attributes are not used by generators; keep the name visible.
            return .string("<unsupported attribute type \(proto.type.rawValue)>")
        }
    }

    static func checkedInt(_ v: Int64, node: String) throws(EngineError) -> Int {
        // Attributes hold sizes, axes and indices; INT64_MAX/MIN are legal sentinels in Slice ends.
        Int(v)
    }

    // MARK: Tensors

    /// Converts a `TensorProto` into a ``Tensor``, checking its size before allocating.
    static func tensor(from proto: Onnx_TensorProto, name: String) throws(EngineError) -> Tensor {
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            throw .externalData(tensor: name)
        }
        var dims: [Int] = []
        for d in proto.dims {
            guard d >= 0, d <= Int64(Limits.maxElements) else {
                throw .tooLarge(what: "tensor '\(name)'", detail: "dimension \(d)")
            }
            dims.append(Int(d))
        }
        let count = try Limits.elementCount(dims, what: "tensor '\(name)'")
        let raw = proto.rawData

        func requireCount(_ available: Int, bytesPerElement: Int) throws(EngineError) {
            guard available == count else {
                throw .malformedTensor(tensor: name, detail: "shape \(dims) needs \(count) elements (\(count * bytesPerElement) bytes) but the data holds \(available)")
            }
        }

        /// The raw bytes as `count` values of `T` (ONNX raw data is little-endian, as is every
        /// platform Likeness runs on), after checking the length.
        func rawValues<T: BinaryInteger & BitwiseCopyable>(_: T.Type) throws(EngineError) -> [T] {
            let size = MemoryLayout<T>.size
            guard raw.count % size == 0 else {
                throw .malformedTensor(tensor: name, detail: "raw data length \(raw.count) is not a multiple of \(size)")
            }
            try requireCount(raw.count / size, bytesPerElement: size)
            var values = [T](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in _ = raw.copyBytes(to: dst) }
            return values
        }

        switch proto.dataType {
        case 1:  // FLOAT
            var values: [Float]
            if !raw.isEmpty {
                values = try rawValues(UInt32.self).map(Float.init(bitPattern:))
            } else {
                try requireCount(proto.floatData.count, bytesPerElement: 4)
                values = proto.floatData
            }
            try checkFinite(values, name: name)
            return Tensor(shape: dims, floats: values)
        case 10:  // FLOAT16
            var bits: [UInt16]
            if !raw.isEmpty {
                bits = try rawValues(UInt16.self)
            } else {
                try requireCount(proto.int32Data.count, bytesPerElement: 2)
                bits = proto.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            }
            let values = bits.map(floatFromHalf)
            try checkFinite(values, name: name)
            return Tensor(shape: dims, floats: values)
        case 11:  // DOUBLE
            var doubles: [Double]
            if !raw.isEmpty {
                doubles = try rawValues(UInt64.self).map(Double.init(bitPattern:))
            } else {
                try requireCount(proto.doubleData.count, bytesPerElement: 8)
                doubles = proto.doubleData
            }
            let values = doubles.map { Float($0) }
            try checkFinite(values, name: name)
            return Tensor(shape: dims, floats: values)
        case 7:  // INT64
            var ints: [Int64]
            if !raw.isEmpty {
                ints = try rawValues(Int64.self)
            } else {
                try requireCount(proto.int64Data.count, bytesPerElement: 8)
                ints = proto.int64Data
            }
            return Tensor(shape: dims, ints: ints.map { Int($0) })
        case 6, 9:  // INT32, BOOL (bools also live in int32_data / 1-byte raw)
            var ints: [Int]
            if !raw.isEmpty {
                if proto.dataType == 9 {
                    try requireCount(raw.count, bytesPerElement: 1)
                    ints = raw.map { Int($0) }
                } else {
                    ints = try rawValues(Int32.self).map { Int($0) }
                }
            } else {
                try requireCount(proto.int32Data.count, bytesPerElement: 4)
                ints = proto.int32Data.map { Int($0) }
            }
            return Tensor(shape: dims, ints: ints)
        default:
            throw .unsupportedDataType(tensor: name, dataType: Int(proto.dataType))
        }
    }

    static func checkFinite(_ values: [Float], name: String) throws(EngineError) {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteWeight(tensor: name, index: index)
        }
    }

    /// IEEE 754 binary16 → binary32, exact for every half value.
    static func floatFromHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = UInt32((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}
