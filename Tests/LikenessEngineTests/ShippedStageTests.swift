import Foundation
import Testing
@testable import LikenessEngine

// MARK: - The shipped detail stages in the engine

/// Every model under `Models/` whose card says `likeness.stage = detail`.
private let shippedStages: [String] = {
    let models = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models")
    let folders = (try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []
    return folders.sorted().map { models.appendingPathComponent($0).appendingPathComponent("model.onnx").path }
        .filter { path in
            guard let graph = try? ModelLoader.load(contentsOf: URL(fileURLWithPath: path)) else { return false }
            return graph.metadata["likeness.stage"] == "detail"
        }
}()

/// The Python of the project's venv (`make test` sets `LIKENESS_PYTHON`), for ONNX Runtime.
private let python: String? = ProcessInfo.processInfo.environment["LIKENESS_PYTHON"].flatMap {
    FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
}

@Suite("Shipped detail stages")
struct ShippedStageTests {
    @Test("the refiner and the painter ship")
    func theyShip() {
        #expect(shippedStages.count >= 2, "expected the refiner and the painter under Models/, found \(shippedStages)")
    }

    /// Each shipped stage plans in the engine and paints the same image as ONNX Runtime (within 1e-4).
    @Test("each shipped stage matches ONNX Runtime", .enabled(if: python != nil, "needs LIKENESS_PYTHON with onnxruntime (make test sets it)"),
          arguments: shippedStages)
    func matchesORT(path: String) throws {
        let stage = try DetailStage(contentsOf: URL(fileURLWithPath: path), options: EngineOptions(threads: 2))
        #expect(stage.scale == 2 || stage.scale == 4)
        let count = 3 * stage.inputWidth * stage.inputHeight
        let input = (0..<count).map { Float(sin(Double($0) * 0.013) * 0.9) }
        var output = [Float](repeating: .nan, count: 3 * stage.outputWidth * stage.outputHeight)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { stage.run(i, into: $0) } }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let inURL = folder.appendingPathComponent("in.f32"), outURL = folder.appendingPathComponent("out.f32")
        try input.withUnsafeBufferPointer { try Data(buffer: $0).write(to: inURL) }
        let script = """
        import sys, numpy as np, onnxruntime as ort
        s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
        i = s.get_inputs()[0]
        x = np.fromfile(sys.argv[2], dtype=np.float32).reshape(i.shape)
        s.run(None, {i.name: x})[0].astype(np.float32).tofile(sys.argv[3])
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = ["-c", script, path, inURL.path, outURL.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "onnxruntime failed on \(path)")
        let expected = try Data(contentsOf: outURL).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let diff = Difference(output, expected)
        #expect(diff.maxAbs <= 1e-4, "\(path): \(diff)")
    }
}
