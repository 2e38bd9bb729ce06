import Foundation
import Testing
@testable import LikenessLineage

/// An index JSON with `count` random unit embeddings (SplitMix64), a few faces sharing works.
func makeIndexJSON(count: Int, dimension: Int, seed: UInt64, duplicateEvery: Int = 5,
                   edit: (inout [String: Any]) -> Void = { _ in }) -> Data {
    var state = seed
    func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float(z >> 40) / Float(1 << 24) * 2 - 1
    }
    var floats: [Float] = []
    var faces: [[String: Any]] = []
    for i in 0..<count {
        var row = (0..<dimension).map { _ in next() }
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        row = row.map { $0 / norm }
        floats += row
        faces.append(["face_id": String(format: "%05d-00", i), "met_object_id": 1000 + (i % duplicateEvery == 1 ? i - 1 : i)])
    }
    let bytes = floats.withUnsafeBufferPointer { Data(buffer: $0) }
    let columns = Int(Double(count).squareRoot().rounded(.up))
    var object: [String: Any] = [
        "schema": "likeness.lineage/1", "extractor": "lineage.onnx", "extractor_sha256": "x", "dimension": dimension,
        "count": count, "works": "works.csv", "faces": faces, "embeddings": bytes.base64EncodedString(),
        "atlas": ["file": "lineage-atlas.png", "thumb": 64, "columns": columns, "rows": (count + columns - 1) / columns],
    ]
    edit(&object)
    return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
}

@Suite struct LineageIndexTests {
    @Test("nearest works equal brute force over every face, ties to the lower id", arguments: [1, 2, 3])
    func nearestIsBruteForce(seed: UInt64) throws {
        let index = try LineageIndex(data: makeIndexJSON(count: 300, dimension: 24, seed: seed))
        var state = seed &* 77
        for _ in 0..<40 {
            let query = (0..<24).map { _ -> Float in state = state &* 6364136223846793005 &+ 1; return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) }
            let got = index.nearest(to: query, k: 3)
            // Brute force: every face's similarity, best face per work, sorted by (-sim, id, face).
            let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var all: [LineageIndex.Match] = []
            for (row, face) in index.faces.enumerated() {
                var dot: Float = 0
                for j in 0..<24 { dot += index.embeddings[row * 24 + j] * query[j] }
                all.append(.init(metObjectID: face.metObjectID, similarity: dot * (1 / norm), face: row))
            }
            all.sort(by: LineageIndex.precedes)
            var seen = Set<Int>(), expected: [LineageIndex.Match] = []
            for m in all where seen.insert(m.metObjectID).inserted { expected.append(m); if expected.count == 3 { break } }
            // The index sums in SIMD lanes, the brute force in order: the same works, similarities within rounding.
            #expect(got.map(\.metObjectID) == expected.map(\.metObjectID))
            #expect(zip(got, expected).allSatisfy { abs($0.similarity - $1.similarity) < 1e-5 && $0.face == $1.face })
            #expect(Set(got.map(\.metObjectID)).count == 3)
        }
    }

    @Test("equal similarities go to the lower met_object_id")
    func tiesAreDeterministic() throws {
        // Two works with the same embedding: the lower id wins, whatever the order in the file.
        let data = makeIndexJSON(count: 4, dimension: 4, seed: 9, duplicateEvery: 100) { object in
            var floats = [Float](repeating: 0, count: 16)
            floats[0] = 1; floats[4] = 1; floats[9] = 1; floats[14] = 1
            object["embeddings"] = floats.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString()
            object["faces"] = [["face_id": "a", "met_object_id": 7], ["face_id": "b", "met_object_id": 3],
                               ["face_id": "c", "met_object_id": 5], ["face_id": "d", "met_object_id": 6]]
        }
        let index = try LineageIndex(data: data)
        #expect(index.nearest(to: [1, 0, 0, 0], k: 2).map(\.metObjectID) == [3, 7])
    }

    @Test("a broken sidecar is a clear error naming the problem and the fix", arguments: [
        ("schema", "schema"), ("count", "count"), ("embeddings", "bytes"), ("atlas", "atlas"), ("extractor", "plain name"), ("norm", "squared length"),
    ])
    func brokenIndex(field: String, expected: String) {
        let data = makeIndexJSON(count: 10, dimension: 8, seed: 1) { object in
            switch field {
            case "schema": object["schema"] = "likeness.lineage/0"
            case "count": object["count"] = 11
            case "embeddings": object["embeddings"] = Data([1, 2, 3, 4]).base64EncodedString()
            case "atlas": object["atlas"] = ["file": "a.png", "thumb": 200, "columns": 4, "rows": 3]
            case "extractor": object["extractor"] = "../model.onnx"
            default: object["embeddings"] = [Float](repeating: 2, count: 80).withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString()
            }
        }
        do {
            _ = try LineageIndex(data: data, path: "lineage.json")
            Issue.record("expected an error for \(field)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect("\(error)".contains("make lineage"))
        }
        #expect(throws: LineageError.self) { try LineageIndex(data: Data("{".utf8)) }
    }
}
