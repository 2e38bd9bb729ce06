import Foundation
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - [model] detail

@Suite("[model] detail: \"auto\" (the default), [] or a list")
struct DetailKeyTests {
    @Test func absentIsAuto() throws {
        #expect(try Exhibition.parse("").model.detail == .auto)
        #expect(try Exhibition.parse("[model]\nthreads = 1\n").model.detail == .auto)
        #expect(Exhibition().model.detail == .auto)
    }

    @Test func autoEmptyAndAList() throws {
        #expect(try Exhibition.parse("[model]\ndetail = \"auto\"\n").model.detail == .auto)
        #expect(try Exhibition.parse("[model]\ndetail = []\n").model.detail == .stages([]))
        let list = try Exhibition.parse("[model]\ndetail = [\"a/model.onnx\", \"b/model.onnx\"]\n").model.detail
        #expect(list == .stages(["a/model.onnx", "b/model.onnx"]))
        #expect(list.listedPaths == ["a/model.onnx", "b/model.onnx"])
    }

    /// Each bad value names the key, its line, and the three accepted forms.
    @Test(arguments: [
        ("detail = \"fast\"", "value \"fast\""),
        ("detail = \"Models/met-refiner-256/model.onnx\"", "a list, even for one stage: [\"Models/met-refiner-256/model.onnx\"]"),
        ("detail = [\"\"]", "value [\"\"]"),
        ("detail = [\"auto\"]", "value [\"auto\"]"),
        ("detail = [1]", "must be an array of strings"),
        ("detail = true", "found true"),
        ("detail = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\"]", "value [\"a\""),
    ])
    func badValuesNameTheAcceptedForms(line: String, expected: String) {
        do {
            _ = try Exhibition.parse("[model]\n\(line)\n", file: "show.toml")
            Issue.record("accepted \(line)")
        } catch {
            let message = error.description
            #expect(message.hasPrefix("show.toml:2: key 'model.detail'"), "\(message)")
            #expect(message.contains(expected), "\(message)")
            if !message.contains("array of strings") {
                #expect(message.contains("\"auto\" (the default") && message.contains("[] (no detail stages)"), "\(message)")
            }
        }
    }
}

// MARK: - Finding auto's stages

@Suite("detail = \"auto\" finds the shipped stages beside the generator, as far as they fit")
struct AutomaticChainTests {
    /// A models folder laid out like `Models/`: `gen/model.onnx` and the stage folders auto looks in.
    static func layout(stages: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-auto-\(UUID().uuidString)")
        let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/models")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("gen"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("tiny-generator.onnx"), to: root.appendingPathComponent("gen/model.onnx"))
        for (folder, file) in stages {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(file), to: root.appendingPathComponent("\(folder)/model.onnx"))
        }
        return root
    }

    func load(_ root: URL, detail: String? = nil) throws -> LoadedModel {
        let text = "[model]\npath = \"\(root.appendingPathComponent("gen/model.onnx").path)\"\n" + (detail.map { "detail = \($0)\n" } ?? "")
        return try LoadedModel.load(for: try Exhibition.parse(text))
    }

    @Test func theWholeChainInOrder() throws {
        let root = try Self.layout(stages: ["met-refiner-256": "tiny-stage-32.onnx", "met-painter-1024": "tiny-stage-64.onnx"])
        let model = try load(root)
        #expect(model.detailIsAutomatic)
        #expect(model.detail.map(\.name) == ["met-refiner-256", "met-painter-1024"])
        #expect(model.detail.map(\.output.width) == [64, 128])
        #expect(model.pictureWidth == 128)
        // An explicit [] is the generator alone, and a list is not automatic.
        #expect(try load(root, detail: "[]").detail.isEmpty)
        let listed = try load(root, detail: "[\"\(root.appendingPathComponent("met-refiner-256/model.onnx").path)\"]")
        #expect(!listed.detailIsAutomatic && listed.detail.count == 1)
    }

    @Test func aStageThatDoesNotFitEndsTheChain() throws {
        // The "refiner" here reads 64 px, the generator paints 32: no stages, no error.
        let misfit = try load(try Self.layout(stages: ["met-refiner-256": "tiny-stage-64.onnx", "met-painter-1024": "tiny-stage-64.onnx"]))
        #expect(misfit.detail.isEmpty && misfit.detailIsAutomatic)
        // Without a refiner, the painter alone is not a prefix.
        let gap = try load(try Self.layout(stages: ["met-painter-1024": "tiny-stage-32.onnx"]))
        #expect(gap.detail.isEmpty)
        // A custom generator with nothing beside it.
        #expect(try load(try Self.layout(stages: [:])).detail.isEmpty)
    }

    @Test func theShippedGeneratorGetsRefinerThenPainter() throws {
        let chain = try LoadedModel.automaticDetail(beside: packageRoot.appendingPathComponent("Models/met-portraits-128/model.onnx"),
                                                    picture: PlaneShape(channels: 3, width: 128, height: 128))
        #expect(chain.map(\.name) == ["met-refiner-256", "met-painter-1024"])
        #expect(chain.map(\.output) == [PlaneShape(channels: 3, width: 256, height: 256), PlaneShape(channels: 3, width: 1024, height: 1024)])
    }
}
