import Foundation
import LikenessMedia
import Testing
@testable import LikenessLineage

/// A model folder with the fixture extractor (Tests/Fixtures/models/tiny-lineage.onnx, D = 16), a random
/// index of `count` faces, a works table and an atlas of 8 px thumbnails.
func makeLineageFolder(count: Int = 40, atlas: Bool = true, works: String? = nil, dimension: Int = 16) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lineage-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/models")
    try FileManager.default.copyItem(at: fixtures.appendingPathComponent("tiny-lineage.onnx"), to: folder.appendingPathComponent("lineage.onnx"))
    let data = makeIndexJSON(count: count, dimension: dimension, seed: 5) { object in
        object["atlas"] = ["file": "lineage-atlas.png", "thumb": 8, "columns": 8, "rows": (count + 7) / 8]
    }
    try data.write(to: folder.appendingPathComponent("lineage.json"))
    let table = works ?? """
    met_object_id,title,artist,artist_dates,object_date,medium,department,source_url,metadata_source,checked
    1000,Portrait of a Man,Workshop of Someone,,1620,Oil,European Paintings,https://www.metmuseum.org/art/collection/search/1000,x,copied

    """
    try Data(table.utf8).write(to: folder.appendingPathComponent("works.csv"))
    if atlas {
        var frame = Frame(width: 64, height: 8 * ((count + 7) / 8))
        for i in frame.pixels.indices { frame.pixels[i] = UInt8(i % 251) }
        try PNGCodec.write(frame, to: folder.appendingPathComponent("lineage-atlas.png"))
    }
    try Data("onnx".utf8).write(to: folder.appendingPathComponent("model.onnx"))
    return folder
}

@Suite struct LineageTests {
    @Test func loadsAndLooksUpAPicture() throws {
        let folder = try makeLineageFolder()
        let lineage = try #require(try Lineage.load(forModel: folder.appendingPathComponent("model.onnx")))
        #expect(lineage.index.count == 40 && lineage.extractor.dimension == 16)
        // A 200×150 picture is resized to the extractor's 128×128 (middle square) and looked up.
        var picture = PlanarImage(channels: 3, width: 200, height: 150)
        for i in picture.storage.indices { picture.storage[i] = Float(i % 97) / 48.5 - 1 }
        let works = lineage.works(of: picture, k: 3)
        #expect(works.count == 3)
        #expect(works.map(\.work.metObjectID) == lineage.index.nearest(to: lineage.embedding(of: picture), k: 3).map(\.metObjectID))
        #expect(works == lineage.works(of: picture, k: 3))
        let known = try #require(works.first { $0.work.metObjectID == 1000 } ?? Optional(works[0]))
        #expect(known.work.url.hasPrefix("https://www.metmuseum.org/art/collection/search/"))
        let thumb = try lineage.thumbnail(face: 9)
        // Face 9 is cell (1, 1): its first pixel is atlas pixel (8, 8), byte (8 · 64 + 8) · 3.
        let firstByte: Int = (8 * 64 + 8) * 3 % 251
        #expect(thumb.width == 8 && thumb.height == 8)
        #expect(Int(thumb.pixels[0]) == firstByte)
        #expect(LineageMatch.resemblesLine(works).hasPrefix("resembles "))
    }

    @Test func aModelWithoutLineageHasNone() throws {
        let folder = FileManager.default.temporaryDirectory
        #expect(try Lineage.load(forModel: folder.appendingPathComponent("no-such-folder/model.onnx")) == nil)
    }

    @Test("broken or missing files are clear errors with the hint", arguments: ["atlas", "works", "dimension"])
    func brokenFolders(broken: String) throws {
        let folder = try makeLineageFolder(atlas: broken != "atlas", works: broken == "works" ? "id,title\n1,x\n" : nil,
                                           dimension: broken == "dimension" ? 8 : 16)
        do {
            _ = try Lineage.load(forModel: folder.appendingPathComponent("model.onnx"))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("make lineage"), "\(error)")
        }
    }

    @Test("each keyframe is painted and looked up once; answers are a pure function of the keyframe")
    func keyframesAreCached() throws {
        let folder = try makeLineageFolder()
        let lineage = try #require(try Lineage.load(forModel: folder.appendingPathComponent("model.onnx")))
        let painted = Counter()
        let paint: KeyframeLineage.Painter = { k in
            painted.add()
            var image = PlanarImage(channels: 3, width: 128, height: 128)
            for i in image.storage.indices { image.storage[i] = sin(Float(i) * 0.001 * Float(k + 1)) }
            return image
        }
        let a = KeyframeLineage(lineage: lineage, paint: paint), b = KeyframeLineage(lineage: lineage, paint: paint)
        #expect(a.cached(3) == nil)
        let first = a.works(forKeyframe: 3)
        #expect(a.works(forKeyframe: 3) == first && a.cached(3) == first)
        #expect(b.works(forKeyframe: 3) == first)
        #expect(painted.value == 2)
        #expect(a.works(forKeyframe: 4) != first || a.works(forKeyframe: 5) != first)
    }

    @Test("a lookup in a 1,085-face, 128-number index takes at most 5 ms")
    func lookupIsFast() throws {
        let index = try LineageIndex(data: makeIndexJSON(count: 1085, dimension: 128, seed: 8))
        let query = (0..<128).map { Float(($0 * 37) % 11) - 5 }
        _ = index.nearest(to: query)
        let clock = ContinuousClock()
        // The median of 21 (tests run side by side on two cores: the slowest one measures the scheduler).
        let times = (0..<21).map { _ in clock.measure { _ = index.nearest(to: query, k: 3) } }.sorted()
        #expect(times[10] < .milliseconds(5), "median of 21 lookups: \(times[10]), slowest \(times[20])")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
