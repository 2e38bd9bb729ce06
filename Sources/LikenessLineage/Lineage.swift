import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - Lineage

/// A generator's lineage, loaded from beside its `model.onnx`: the extractor, the index, the works table
/// and the thumbnail atlas. ``works(of:)`` answers which training works a picture resembles.
///
/// The answer is resemblance in the extractor's feature space (pose, palette, light, costume at the scale
/// of a 128 px face), not causation: a GAN does not copy from particular paintings.
public final class Lineage: @unchecked Sendable {
    public let index: LineageIndex
    public let extractor: LineageExtractor
    public let works: WorksTable
    /// The folder the files came from.
    public let folder: URL
    public var atlasURL: URL { folder.appendingPathComponent(index.atlas.file) }
    public var extractorURL: URL { folder.appendingPathComponent(index.extractor) }

    /// The index's file name beside `model.onnx`.
    public static let indexFile = "lineage.json"

    private let lock = NSLock()
    private var atlasFrame: Frame?
    // Scratch for one picture, reused (the extractor is not reentrant).
    private var input: [Float]
    private var output: [Float]

    /// Where a model's index would be: `lineage.json` in the model file's folder.
    public static func indexURL(forModel model: URL) -> URL {
        model.deletingLastPathComponent().appendingPathComponent(indexFile)
    }

    /// Whether a model carries lineage (its folder holds `lineage.json`).
    public static func exists(forModel model: URL) -> Bool {
        FileManager.default.fileExists(atPath: indexURL(forModel: model).path)
    }

    /// The lineage beside `model`, or nil when the model has none; a broken one throws.
    public static func load(forModel model: URL, options: EngineOptions = EngineOptions(threads: 1)) throws(LineageError) -> Lineage? {
        guard exists(forModel: model) else { return nil }
        return try Lineage(indexURL: indexURL(forModel: model), options: options)
    }

    /// Loads the index at `indexURL` and the files it names beside it; the atlas is checked here and read
    /// when a thumbnail is first asked for.
    public init(indexURL: URL, options: EngineOptions = EngineOptions(threads: 1)) throws(LineageError) {
        let index = try LineageIndex(contentsOf: indexURL)
        folder = indexURL.deletingLastPathComponent()
        let extractorURL = folder.appendingPathComponent(index.extractor)
        let extractor: LineageExtractor
        do { extractor = try LineageExtractor(contentsOf: extractorURL, options: options) } catch {
            throw .extractor(path: extractorURL.path, error)
        }
        guard extractor.dimension == index.dimension else {
            throw .dimensionMismatch(path: extractorURL.path, extractor: extractor.dimension, index: index.dimension)
        }
        let worksURL = folder.appendingPathComponent(index.works)
        works = try WorksTable(contentsOf: worksURL)
        let atlasPath = folder.appendingPathComponent(index.atlas.file).path
        guard FileManager.default.isReadableFile(atPath: atlasPath) else {
            throw .badAtlas(path: atlasPath, detail: "missing or unreadable")
        }
        self.index = index
        self.extractor = extractor
        input = [Float](repeating: 0, count: 3 * extractor.inputSize * extractor.inputSize)
        output = [Float](repeating: 0, count: extractor.dimension)
    }

    /// The embedding of a planar `[3, H, W]` picture in [-1, 1] (resized to the extractor's input with
    /// Lanczos-3, the middle square when it is not square).
    public func embedding(of picture: PlanarImage) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        let s = extractor.inputSize
        if picture.width == s && picture.height == s {
            picture.storage.withUnsafeBufferPointer { src in output.withUnsafeMutableBufferPointer { extractor.run(src, into: $0) } }
        } else {
            let resampler = LanczosResampler(sourceWidth: picture.width, sourceHeight: picture.height, targetWidth: s, targetHeight: s, fit: .cover)
            var target = PlanarImage(channels: 3, width: s, height: s)
            resampler.resample(picture, into: &target)
            target.storage.withUnsafeBufferPointer { src in output.withUnsafeMutableBufferPointer { extractor.run(src, into: $0) } }
        }
        return output
    }

    /// The `k` training works `picture` most resembles, best first.
    public func works(of picture: PlanarImage, k: Int = 3) -> [LineageMatch] {
        matches(index.nearest(to: embedding(of: picture), k: k))
    }

    /// The works of an RGB8 frame (a generated frame, a photo of the wall).
    public func works(of frame: Frame, k: Int = 3) -> [LineageMatch] {
        works(of: PlanarImage(frame: frame), k: k)
    }

    /// Index matches with their catalogue facts.
    public func matches(_ nearest: [LineageIndex.Match]) -> [LineageMatch] {
        nearest.map { LineageMatch(work: works.work($0.metObjectID), similarity: $0.similarity, faceID: index.faces[$0.face].faceID, face: $0.face) }
    }

    /// The thumbnail of face `face` (its atlas cell), reading the atlas the first time.
    public func thumbnail(face: Int) throws(LineageError) -> Frame {
        precondition(face >= 0 && face < index.count, "face \(face) is not in the index")
        let atlas = try loadAtlas()
        let t = index.atlas.thumb, x0 = (face % index.atlas.columns) * t, y0 = (face / index.atlas.columns) * t
        var thumb = Frame(width: t, height: t)
        for y in 0..<t {
            let src = ((y0 + y) * atlas.width + x0) * 3
            for i in 0..<(t * 3) { thumb.pixels[y * t * 3 + i] = atlas.pixels[src + i] }
        }
        return thumb
    }

    private func loadAtlas() throws(LineageError) -> Frame {
        lock.lock()
        defer { lock.unlock() }
        if let atlasFrame { return atlasFrame }
        let frame: Frame
        do { frame = try PNGCodec.read(from: atlasURL) } catch { throw .badAtlas(path: atlasURL.path, detail: "\(error)") }
        let a = index.atlas
        guard frame.width == a.columns * a.thumb, frame.height == a.rows * a.thumb else {
            throw .badAtlas(path: atlasURL.path, detail: "\(frame.width)×\(frame.height) px, the index expects \(a.columns * a.thumb)×\(a.rows * a.thumb)")
        }
        atlasFrame = frame
        return frame
    }
}

// MARK: - LineageMatch

/// One work a picture resembles, with how much (cosine similarity in the extractor's space).
public struct LineageMatch: Sendable, Equatable, Encodable {
    public var work: LineageWork
    public var similarity: Float
    /// The work's face that matched (its id and its position in the index and atlas).
    public var faceID: String
    public var face: Int

    enum CodingKeys: String, CodingKey { case metObjectID = "met_object_id", title, artist, date, url, similarity, faceID = "face_id" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(work.metObjectID, forKey: .metObjectID)
        try c.encode(work.title, forKey: .title)
        try c.encode(work.artist, forKey: .artist)
        try c.encode(work.date, forKey: .date)
        try c.encode(work.url, forKey: .url)
        // Four decimals: what a reader needs, and the same text on machines whose last bits differ.
        try c.encode((Double(similarity) * 10_000).rounded() / 10_000, forKey: .similarity)
        try c.encode(faceID, forKey: .faceID)
    }

    /// "resembles A · B · C": the overlay's and the caption's line.
    public static func resemblesLine(_ matches: [LineageMatch]) -> String {
        "resembles " + matches.map { $0.work.title.isEmpty ? $0.work.objectCredit : "\($0.work.credit) · \($0.work.objectCredit)" }.joined(separator: " · ")
    }
}
