import Foundation
import Testing

// MARK: - Zero allocations per frame

@Suite("A steady-state frame allocates nothing (counted by the preloaded allocation counter)")
struct AllocationTests {
    /// Builds Scripts/allocation-counter.c into a shared library, once per run.
    static func counterLibrary() throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-allocation-counter-\(getpid()).so")
        if FileManager.default.fileExists(atPath: out.path) { return out }
        // Built under a name of its own, then renamed (atomic): a parallel case never preloads a half-written file.
        let building = out.path + ".\(UUID().uuidString)"
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-shared", "-fPIC", "-O2", "-o", building,
                        packageRoot.appendingPathComponent("Scripts/allocation-counter.c").path, "-ldl"]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0, rename(building, out.path) == 0 else { throw CocoaError(.executableLoad) }
        return out
    }

    @Test("likeness bench on a fixture generator counts 0 heap allocations in its timed frames", arguments: ["1", "2"])
    func benchAllocatesNothing(threads: String) throws {
        let library = try Self.counterLibrary()
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library.path
        let model = packageRoot.appendingPathComponent("Tests/Fixtures/models/dcgan-sle-64.onnx").path
        let result = try likeness(["bench", "--model", model, "--threads", threads, "--iterations", "20", "--warmup", "3",
                                   "--no-sgemm", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let last = try #require(result.stdoutText.split(separator: "\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let timed = try #require(json["allocations_in_timed_calls"] as? Int)
        let process = try #require(json["allocations_in_process"] as? Int)
        // The counter is live (the process allocated while loading), and the frames allocated nothing.
        #expect(process > 0, "the allocation counter was not preloaded")
        #expect(timed == 0, "\(timed) allocations in 20 frames")
    }

    /// The frame pipeline with a detail chain: every level, steps down and up, the crossfades between them, the
    /// stage timing and the overlay's monitor, through the renderer the show uses: no heap allocation per frame.
    @Test("likeness bench --detail: auto's level changes and crossfades count 0 heap allocations in their frames")
    func detailChainAllocatesNothing() throws {
        let library = try Self.counterLibrary()
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library.path
        let models = packageRoot.appendingPathComponent("Tests/Fixtures/models")
        let result = try likeness(["bench", "--model", models.appendingPathComponent("tiny-generator.onnx").path,
                                   "--detail", models.appendingPathComponent("tiny-stage-32.onnx").path,
                                   "--detail", models.appendingPathComponent("tiny-stage-64.onnx").path,
                                   "--canvas", "96", "--threads", "1", "--iterations", "120", "--warmup", "2", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let last = try #require(result.stdoutText.split(separator: "\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let timed = try #require(json["allocations_in_timed_calls"] as? Int)
        #expect((json["allocations_in_process"] as? Int ?? 0) > 0, "the allocation counter was not preloaded")
        #expect((json["level_changes"] as? Int ?? 0) >= 4, "down through both levels and back up: \(last)")
        #expect((json["crossfade_frames"] as? Int ?? 0) >= 12, "\(last)")
        #expect(timed == 0, "\(timed) allocations in 120 frames")
        #expect((json["level_ms"] as? [Double])?.count == 3)
    }
}
