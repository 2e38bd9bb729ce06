import Foundation
import Testing
@testable import LikenessEngine

#if canImport(Glibc)
import Glibc
#endif

// MARK: - The public Generator API

@Suite("Generator API")
struct GeneratorTests {
    @Test("the tiny fixture generator loads with its model card")
    func tinyGenerator() throws {
        let generator = try Generator(contentsOf: Fixtures.tinyGenerator)
        #expect(generator.zDim == 16)
        #expect(generator.imageWidth == 32 && generator.imageHeight == 32)
        #expect(generator.batchSize == 1)
        #expect(generator.gflopPerFrame > 0)
        let card = try #require(generator.metadata["likeness.card"])
        let json = try JSONSerialization.jsonObject(with: Data(card.utf8)) as? [String: Any]
        for key in ["name", "credit", "license", "description"] { #expect(json?[key] is String) }
    }

    @Test("data and URL initializers agree; render is deterministic and in range")
    func render() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.tinyGenerator))
        let a = try Generator(data: bytes, batchSize: 2, threads: 2)
        let b = try Generator(contentsOf: Fixtures.tinyGenerator, batchSize: 2, threads: 1)
        var random = TestRandom(seed: 8)
        let z = random.floats(2 * a.zDim)
        func planes(_ g: Generator) -> [Float] {
            var out = [Float](repeating: .nan, count: 2 * g.planeFloatCount)
            z.withUnsafeBufferPointer { zp in out.withUnsafeMutableBufferPointer { g.render(latents: zp, into: $0) } }
            return out
        }
        let first = planes(a)
        #expect(first.count == 2 * 3 * 32 * 32)
        #expect(first == planes(a))
        #expect(Difference(first, planes(b)).maxAbs <= 1e-6)
        #expect(first.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(Set(first).count > 8, "a random generator should not produce a flat image")
    }

    @Test("a compiled model runs any one-input graph into caller-owned buffers")
    func compiledModel() throws {
        let model = try CompiledModel(contentsOf: Fixtures.tinyGenerator, batchSize: 2, options: EngineOptions(threads: 1))
        #expect(model.inputShape == [2, 16] && model.outputShape == [2, 3, 32, 32])
        var random = TestRandom(seed: 10)
        let z = random.floats(model.inputCount)
        var viaCopy = [Float](repeating: 0, count: model.outputCount)
        z.withUnsafeBufferPointer { zp in viaCopy.withUnsafeMutableBufferPointer { model.run(zp, into: $0) } }
        model.withUnsafeMutableInput { input in for i in 0..<input.count { input[i] = z[i] } }
        model.run()
        let inPlace = model.withUnsafeOutput { Array($0) }
        #expect(viaCopy == inPlace)
        #expect(viaCopy == model.evaluate(z))
    }

    @Test("engine options: the environment is read only through init(environment:)")
    func options() {
        let defaults = EngineOptions()
        #expect(defaults.kernels == .automatic && defaults.winograd && defaults.threading == .own && defaults.threads == 0)
        let env = EngineOptions(environment: ["LIKENESS_KERNELS": "Baseline", "LIKENESS_WINOGRAD": "off", "LIKENESS_THREADING": "blas"], threads: 3)
        #expect(env.kernels == .baseline && !env.winograd && env.threading == .blas && env.threads == 3)
        let ignored = EngineOptions(environment: ["LIKENESS_KERNELS": "sse9", "LIKENESS_THREADING": "many"])
        #expect(ignored == EngineOptions())
    }

    @Test("baseline kernels and Winograd off give the same image within 1e-4")
    func optionsAgree() throws {
        let z = [Float](repeating: 0.25, count: 64)
        let fast = try CompiledModel(contentsOf: Fixtures.url("models/dcgan-sle-64.onnx"), options: EngineOptions(threads: 2))
        let plain = try CompiledModel(contentsOf: Fixtures.url("models/dcgan-sle-64.onnx"),
                                      options: EngineOptions(threads: 1, kernels: .baseline, winograd: false))
        #expect(plain.kernelDescription == "OpenBLAS sgemm")
        let zz = Array(z.prefix(fast.inputCount)) + [Float](repeating: 0.25, count: max(0, fast.inputCount - z.count))
        #expect(Difference(fast.evaluate(zz), plain.evaluate(zz)).maxAbs <= 1e-4)
    }

    @Test("batch frames equal single frames")
    func batchConsistency() throws {
        let batched = try Generator(contentsOf: Fixtures.tinyGenerator, batchSize: 3)
        let single = try Generator(contentsOf: Fixtures.tinyGenerator, batchSize: 1)
        var random = TestRandom(seed: 9)
        let z = random.floats(3 * 16)
        let all = batched.forward(latents: z)
        for n in 0..<3 {
            let one = single.forward(latents: Array(z[n * 16 ..< (n + 1) * 16]))
            let diff = Difference(Array(all[n * 3072 ..< (n + 1) * 3072]), one)
            #expect(diff.maxAbs <= 1e-5, "\(diff)")
        }
    }
}
