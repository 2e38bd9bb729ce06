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

    /// What `-target-cpu haswell` may use (the AVX2 module), as /proc/cpuinfo names it.
    static let haswell: Set<String> = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt"]
    /// What `-target-cpu skylake-avx512` adds (the AVX-512 module).
    static let skylakeAVX512: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

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
            guard flags.isSuperset(of: haswell) else { return .baseline }
            return flags.isSuperset(of: skylakeAVX512) ? .avx512 : .avx2
        }
        return .baseline
        #elseif arch(x86_64) && canImport(Darwin)
        func has(_ name: String) -> Bool {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            return sysctlbyname(name, &value, &size, nil, 0) == 0 && value != 0
        }
        guard ["avx2_0", "fma", "bmi1", "bmi2", "f16c"].allSatisfy({ has("hw.optional." + $0) }) else { return .baseline }
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy({ has("hw.optional." + $0) }) ? .avx512 : .avx2
        #else
        return .baseline
        #endif
    }
}
