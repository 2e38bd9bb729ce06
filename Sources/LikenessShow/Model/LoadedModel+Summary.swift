import Foundation
import LikenessEngine

// MARK: - What `likeness info` prints

extension LoadedModel {
    /// For a person: the model, its shapes and cost, then the card as an indented outline in which long
    /// lists are counted and sampled (`1042 values: 435621, 435622, … (all with --json)`) and long text wraps.
    public var summary: String {
        var lines: [String] = []
        lines.append("model        \(url.path)")
        lines.append("file size    " + String(format: "%.1f MB", Double(data.count) / 1_000_000))
        lines.append("name         \(info.name)")
        if !card.credit.isEmpty { lines += Self.wrap("credit       \(card.credit)", indent: "", hanging: "             ") }
        if !card.license.isEmpty { lines += Self.wrap("license      \(card.license)", indent: "", hanging: "             ") }
        lines.append("input        z float32 [N, \(info.zDim)]")
        lines.append("output       image float32 [N, 3, \(info.imageHeight), \(info.imageWidth)] in [-1, 1]")
        lines.append("cost         " + String(format: "%.3f GFLOP per frame", gflopPerFrame))
        lines += detailLines
        if let object = cardObject {
            let shown: Set<String> = ["name", "credit", "license"]
            let rest = object.filter { !shown.contains($0.key) }
            if !rest.isEmpty {
                lines.append("card")
                for key in Self.cardOrder(rest.keys) { lines += Self.outline(key, rest[key] as Any, depth: 1) }
            }
        } else {
            lines.append("card         none (the file has no likeness.card metadata)")
        }
        let otherMetadata = metadata.keys.filter { $0 != "likeness.card" }.sorted()
        if !otherMetadata.isEmpty {
            lines.append("metadata")
            for key in otherMetadata { lines += Self.outline(key, metadata[key] ?? "", depth: 1) }
        }
        lines.append("(the whole card: likeness info --json)")
        return lines.joined(separator: "\n")
    }

    /// For machines: everything, the card as JSON (not a string inside JSON).
    public var jsonSummary: String {
        var object: [String: Any] = [
            "model": url.path,
            "file_bytes": data.count,
            "name": info.name,
            "input": ["name": "z", "shape": ["N", info.zDim]],
            "output": ["name": "image", "shape": ["N", 3, info.imageHeight, info.imageWidth], "range": [-1, 1]],
            "gflop_per_frame": gflopPerFrame,
            "metadata": metadata.filter { $0.key != "likeness.card" },
            "detail": [
                "choice": detailIsAutomatic ? "auto" : "list",
                "stages": detail.map { d -> [String: Any] in
                    ["path": d.url.path, "name": d.name, "input": [3, d.input.height, d.input.width],
                     "output": [3, d.output.height, d.output.width], "gflop_per_frame": d.gflopPerFrame]
                },
                "chain_gflop_per_frame": chainGFLOPPerFrame,
            ] as [String: Any],
        ]
        object["card"] = cardObject ?? NSNull()
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The generator and every detail stage, per frame.
    public var chainGFLOPPerFrame: Double {
        gflopPerFrame + detail.reduce(0) { $0 + $1.gflopPerFrame }
    }

    /// The detail chain for `likeness info`: each stage, the chain's cost, and what `"auto"` does with it.
    var detailLines: [String] {
        guard detailIsAutomatic || !detail.isEmpty else { return [] }
        guard !detail.isEmpty else {
            let folders = DetailChoice.automaticStageFolders.map { "../\($0)/model.onnx" }.joined(separator: ", ")
            return Self.wrap("detail       auto: none (no \(folders) beside this generator's folder that fits it): the generator, then Lanczos", indent: "", hanging: "             ")
        }
        var lines = [detailIsAutomatic ? "detail       auto (\(detail.map(\.name).joined(separator: ", ")))" : "detail       listed"]
        for (k, d) in detail.enumerated() {
            lines.append(String(format: "  level %d    + %@: %dx%d -> %dx%d, %.3f GFLOP", k + 1, d.name, d.input.width, d.input.height,
                                d.output.width, d.output.height, d.gflopPerFrame))
        }
        let last = detail[detail.count - 1].output
        lines.append(String(format: "chain        %.3f GFLOP per %dx%d frame (generator and every stage)", chainGFLOPPerFrame, last.width, last.height))
        if detailIsAutomatic {
            lines += Self.wrap("auto         show runs the longest prefix this machine sustains at [window] fps (level 0 = the generator alone … \(detail.count) = every stage; measured at start, one level down when it falls behind, crossfaded); frames and record run every stage",
                               indent: "", hanging: "             ")
        }
        return lines
    }

    /// The parsed `likeness.card`, or nil when absent or not a JSON object.
    var cardObject: [String: Any]? {
        guard let text = metadata["likeness.card"], let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The card's keys in reading order: the usual sections first, then the rest alphabetically.
    static func cardOrder(_ keys: Dictionary<String, Any>.Keys) -> [String] {
        let preferred = ["description", "intended_use", "data", "training", "metrics", "limitations"]
        return preferred.filter(keys.contains) + keys.filter { !preferred.contains($0) }.sorted()
    }

    /// Lists longer than this are counted and sampled.
    static let listLimit = 8
    /// Text wraps at this width.
    static let width = 100

    /// One value as indented lines.
    static func outline(_ key: String, _ value: Any, depth: Int) -> [String] {
        let indent = String(repeating: "  ", count: depth)
        let label = key.replacingOccurrences(of: "_", with: " ")
        switch value {
        case let object as [String: Any]:
            return ["\(indent)\(label)"] + object.keys.sorted().flatMap { outline($0, object[$0] as Any, depth: depth + 1) }
        case let list as [Any]:
            if list.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }) {
                let texts = list.map(scalar)
                if texts.allSatisfy({ $0.count > 30 }) && list.count <= listLimit {
                    // Sentences (limitations): one bullet each.
                    return ["\(indent)\(label)"] + texts.flatMap { wrap("- " + $0, indent: indent + "  ", hanging: "  ") }
                }
                let shown = texts.prefix(listLimit).joined(separator: ", ")
                let text = list.count > listLimit ? "\(list.count) values: \(shown), …" : shown
                return wrap("\(label): \(text)", indent: indent, hanging: "  ")
            }
            if list.count > 3 {
                return ["\(indent)\(label): \(list.count) entries (all with --json)"] + outline("first", list[0], depth: depth + 1)
            }
            return ["\(indent)\(label)"] + list.enumerated().flatMap { outline("\($0.offset + 1)", $0.element, depth: depth + 1) }
        default:
            return wrap("\(label): \(scalar(value))", indent: indent, hanging: "  ")
        }
    }

    static func scalar(_ value: Any) -> String {
        switch value {
        case let s as String: return s
        case let b as Bool where type(of: value) == Bool.self: return b ? "true" : "false"
        case let n as NSNumber: return n.stringValue
        case is NSNull: return "null"
        default: return String(describing: value)
        }
    }

    /// Word-wraps `text` to ``width`` columns; continuation lines get `hanging` more indent.
    static func wrap(_ text: String, indent: String, hanging: String) -> [String] {
        var lines: [String] = []
        var line = indent
        let limit = max(width, indent.count + 40)
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let fresh = line == indent || line == indent + hanging
            if !fresh && line.count + 1 + word.count > limit {
                lines.append(line)
                line = indent + hanging + word
            } else {
                line += (fresh ? "" : " ") + word
            }
        }
        lines.append(line)
        return lines
    }
}
