import Foundation
import LikenessKernels

// MARK: - LineageIndex

/// The lineage index of a generator (`lineage.json` beside `model.onnx`, schema `likeness.lineage/1`):
/// every training face's embedding (L2-normalised), its `face_id` and `met_object_id`, and where its
/// thumbnail sits in the atlas.
///
/// ``nearest(to:k:)`` is exact brute force: cosine similarity to every face, a work scored by its most
/// similar face, ties broken by the lower `met_object_id`, then the lower face position (faces are stored
/// sorted by `face_id`), so every machine gives the same answer.
public struct LineageIndex: Sendable {
    public struct Face: Sendable, Equatable {
        public var faceID: String
        public var metObjectID: Int
    }

    /// One nearest work: its id, the cosine similarity of its most similar face, and that face's position.
    public struct Match: Sendable, Equatable {
        public var metObjectID: Int
        public var similarity: Float
        public var face: Int
    }

    /// The atlas's geometry: `columns` thumbnails of `thumb` px to a row, in face order.
    public struct Atlas: Sendable, Equatable, Codable {
        public var file: String
        public var thumb: Int
        public var columns: Int
        public var rows: Int
    }

    public static let schema = "likeness.lineage/1"
    /// The largest index the show accepts (the budget for a sidecar).
    public static let maxBytes = 5 * 1024 * 1024

    public let faces: [Face]
    public let dimension: Int
    /// `faces.count × dimension` floats, row-major, each row of unit length.
    public let embeddings: [Float]
    public let atlas: Atlas
    /// The extractor's file name, beside the index.
    public let extractor: String
    /// The works table's file name, beside the index.
    public let works: String
    /// How many distinct works the faces come from.
    public let workCount: Int

    public var count: Int { faces.count }

    private struct File: Decodable {
        struct FaceEntry: Decodable { var face_id: String; var met_object_id: Int }
        var schema: String
        var extractor: String
        var dimension: Int
        var count: Int
        var atlas: Atlas
        var works: String
        var faces: [FaceEntry]
        var embeddings: String
    }

    /// Reads and validates the index at `url`.
    public init(contentsOf url: URL) throws(LineageError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: error.localizedDescription) }
        try self.init(data: data, path: url.path)
    }

    public init(data: Data, path: String = "<memory>") throws(LineageError) {
        guard data.count <= Self.maxBytes else {
            throw .badIndex(path: path, detail: "\(data.count) bytes, more than the \(Self.maxBytes) allowed")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .badIndex(path: path, detail: "not the expected JSON (\(Self.describe(error)))")
        }
        guard file.schema == Self.schema else {
            throw .badIndex(path: path, detail: "schema '\(file.schema)', expected '\(Self.schema)'")
        }
        guard file.count >= 1, file.count == file.faces.count else {
            throw .badIndex(path: path, detail: "count \(file.count) but \(file.faces.count) faces listed")
        }
        guard (1...4096).contains(file.dimension) else {
            throw .badIndex(path: path, detail: "dimension \(file.dimension), expected 1 to 4096")
        }
        let a = file.atlas
        guard (1...96).contains(a.thumb), a.columns >= 1, a.rows >= 1, a.columns * a.rows >= file.count else {
            throw .badIndex(path: path, detail: "atlas \(a.columns)×\(a.rows) cells of \(a.thumb) px cannot hold \(file.count) thumbnails of at most 96 px")
        }
        for name in [file.extractor, file.works, a.file] where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw .badIndex(path: path, detail: "file name '\(name)' must be a plain name beside the index")
        }
        guard let raw = Data(base64Encoded: file.embeddings) else {
            throw .badIndex(path: path, detail: "embeddings are not base64")
        }
        guard raw.count == file.count * file.dimension * 4 else {
            throw .badIndex(path: path, detail: "embeddings hold \(raw.count) bytes, expected \(file.count) × \(file.dimension) float32 = \(file.count * file.dimension * 4)")
        }
        var floats = [Float](repeating: 0, count: file.count * file.dimension)
        raw.withUnsafeBytes { bytes in
            for i in floats.indices { floats[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        }
        for row in 0..<file.count {
            var norm: Float = 0
            for j in 0..<file.dimension { let v = floats[row * file.dimension + j]; norm += v * v }
            guard norm.isFinite, abs(norm - 1) < 1e-3 else {
                throw .badIndex(path: path, detail: "embedding of face '\(file.faces[row].face_id)' has squared length \(norm), expected 1")
            }
        }
        var seen = Set<String>()
        for face in file.faces {
            guard face.met_object_id >= 0, seen.insert(face.face_id).inserted else {
                throw .badIndex(path: path, detail: "face '\(face.face_id)' is listed twice or has a negative met_object_id")
            }
        }
        faces = file.faces.map { Face(faceID: $0.face_id, metObjectID: $0.met_object_id) }
        dimension = file.dimension
        embeddings = floats
        atlas = a
        extractor = file.extractor
        works = file.works
        workCount = Set(faces.map(\.metObjectID)).count
    }

    /// The `k` nearest distinct works of `query` (any length-`dimension` vector; it is normalised here).
    ///
    /// One pass over the faces keeping the best `k` works so far (a work already kept is updated when one of
    /// its other faces scores higher; one evicted earlier comes back with its better face): the same answer as
    /// sorting every work by its best face, without a table of all works.
    public func nearest(to query: [Float], k: Int = 3) -> [Match] {
        precondition(query.count == dimension, "query has \(query.count) numbers, the index \(dimension)")
        guard k > 0 else { return [] }
        var top: [Match] = []
        top.reserveCapacity(k + 1)
        var similarities = [Float](repeating: 0, count: faces.count)
        var norm: Float = 0
        for v in query { norm += v * v }
        let scale = norm > 0 ? 1 / norm.squareRoot() : 0
        embeddings.withUnsafeBufferPointer { e in
            query.withUnsafeBufferPointer { q in
                similarities.withUnsafeMutableBufferPointer { s in
                    guard let e = e.baseAddress, let q = q.baseAddress, let s = s.baseAddress else { return }
                    RowDots.compute(rows: e, count: faces.count, dimension: dimension, query: q, into: s)
                }
            }
        }
        for row in 0..<faces.count {
            let match = Match(metObjectID: faces[row].metObjectID, similarity: similarities[row] * scale, face: row)
            if let kept = top.firstIndex(where: { $0.metObjectID == match.metObjectID }) {
                guard Self.precedes(match, top[kept]) else { continue }
                top.remove(at: kept)
            } else if top.count == k, let last = top.last, !Self.precedes(match, last) {
                continue
            }
            let at = top.firstIndex { Self.precedes(match, $0) } ?? top.count
            top.insert(match, at: at)
            if top.count > k { top.removeLast() }
        }
        return top
    }

    /// The ranking: higher similarity first, then the lower met_object_id, then the lower face position.
    public static func precedes(_ a: Match, _ b: Match) -> Bool {
        if a.similarity != b.similarity { return a.similarity > b.similarity }
        if a.metObjectID != b.metObjectID { return a.metObjectID < b.metObjectID }
        return a.face < b.face
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): return "missing key '\(key.stringValue)'"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case let DecodingError.dataCorrupted(context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
