#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - InstructionSet

/// The vector instruction sets the kernels come compiled for, best last.
public enum InstructionSet: String, Sendable, CaseIterable, Comparable {
    /// The baseline CPU: the engine uses OpenBLAS and its portable SIMD kernels.
    case baseline
    /// AVX2 with FMA (x86-64-v3: Intel Haswell, AMD Zen and later).
    case avx2
    /// AVX-512 F (Intel Skylake-SP, Ice Lake, Sapphire Rapids, AMD Zen 4 and later).
    case avx512

    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// What this CPU (and its operating system) supports, read once.
    public static let supported: InstructionSet = detect()

    /// The instruction set to use: the best one supported, lowered by `LIKENESS_KERNELS`
    /// (`baseline`, `avx2` or `avx512`) when set, never raised above what the CPU has.
    public static func selected(environment: [String: String]) -> InstructionSet {
        guard let name = environment["LIKENESS_KERNELS"]?.lowercased(), let wanted = InstructionSet(rawValue: name) else {
            return supported
        }
        return min(wanted, supported)
    }

    private static func detect() -> InstructionSet {
        #if arch(x86_64) && os(Linux)
        // The kernel lists a feature in /proc/cpuinfo only when it also saves that register state.
        guard let file = fopen("/proc/cpuinfo", "r") else { return .baseline }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            if flags.isSuperset(of: ["avx2", "fma", "avx512f"]) { return .avx512 }
            if flags.isSuperset(of: ["avx2", "fma"]) { return .avx2 }
            return .baseline
        }
        return .baseline
        #elseif arch(x86_64) && canImport(Darwin)
        func has(_ name: String) -> Bool {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            return sysctlbyname(name, &value, &size, nil, 0) == 0 && value != 0
        }
        if has("hw.optional.avx2_0") && has("hw.optional.fma") && has("hw.optional.avx512f") { return .avx512 }
        if has("hw.optional.avx2_0") && has("hw.optional.fma") { return .avx2 }
        return .baseline
        #else
        return .baseline
        #endif
    }
}
