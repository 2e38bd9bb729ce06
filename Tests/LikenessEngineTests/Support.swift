import Foundation
import Testing
@testable import LikenessEngine

// MARK: - Fixtures

/// Locations and readers for `Tests/Fixtures` (made by `Tests/Fixtures/make_fixtures.py`).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// Raw little-endian float32 values.
    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: url(relative))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    static var tinyGenerator: URL { url("models/tiny-generator.onnx") }
}

/// One golden case from `Tests/Fixtures/golden.json`.
struct GoldenCase: Codable, Sendable, CustomTestStringConvertible {
    var name: String
    var model: String
    var input: String
    var inputShape: [Int]
    var expected: String
    var outputShape: [Int]
    var generator: Bool

    var testDescription: String { name }

    static func all() -> [GoldenCase] {
        guard let data = try? Data(contentsOf: Fixtures.url("golden.json")),
              let cases = try? JSONDecoder().decode([GoldenCase].self, from: data) else { return [] }
        return cases
    }
}

/// One bad-input case from `Tests/Fixtures/bad.json`.
struct BadCase: Codable, Sendable, CustomTestStringConvertible {
    var file: String
    var expect: String
    var testDescription: String { file }

    static func all() -> [BadCase] {
        guard let data = try? Data(contentsOf: Fixtures.url("bad.json")),
              let cases = try? JSONDecoder().decode([BadCase].self, from: data) else { return [] }
        return cases
    }
}

// MARK: - Comparisons

/// Max |Δ|, where, and the first values — the report a failing golden test prints.
struct Difference: CustomStringConvertible {
    var maxAbs: Float
    var index: Int
    var normalizedMSE: Double
    var actualPrefix: [Float]
    var expectedPrefix: [Float]

    init(_ actual: [Float], _ expected: [Float]) {
        precondition(actual.count == expected.count, "sizes differ: \(actual.count) vs \(expected.count)")
        var worst: Float = 0, at = 0
        var err = 0.0, ref = 0.0
        for i in 0..<actual.count {
            let d = abs(actual[i] - expected[i])
            if !(d <= worst) { worst = d; at = i }  // NaN counts as worst
            err += Double(actual[i] - expected[i]) * Double(actual[i] - expected[i])
            ref += Double(expected[i]) * Double(expected[i])
        }
        maxAbs = worst
        index = at
        normalizedMSE = ref > 0 ? err / ref : err
        actualPrefix = Array(actual.prefix(6))
        expectedPrefix = Array(expected.prefix(6))
    }

    var description: String {
        "max |Δ| = \(maxAbs) at index \(index), normalized MSE \(normalizedMSE); first values \(actualPrefix) vs expected \(expectedPrefix)"
    }
}

/// Deterministic pseudo-random floats (SplitMix64 → Box-Muller-free uniform in [-1, 1]).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float() * scale } }
}

extension EngineError {
    /// The case name, for matching against fixtures ("notONNX", "cycle", …).
    var caseName: String {
        let mirror = Mirror(reflecting: self)
        return mirror.children.first?.label ?? String(describing: self)
    }
}
