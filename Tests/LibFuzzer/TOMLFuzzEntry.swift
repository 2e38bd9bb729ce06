// libFuzzer entry point for the TOML parser (`make fuzz-libfuzzer`), compiled together with
// Sources/LikenessTOML/*.swift by `swiftc -sanitize=fuzzer,address` (one module, so no import).
// Coverage-guided, so it reaches what the deterministic runner's mutations may not; it needs a
// toolchain that ships libFuzzer (the swift.org Linux toolchains do).

@_cdecl("LLVMFuzzerTestOneInput")
public func likenessTOMLFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let document = try TOMLDocument(utf8: bytes)
        _ = document.root.keys.count
    } catch {
        // Check what an error promises: a position inside the input, a message.
        precondition(error.line >= 1 && error.column >= 1 && !error.message.isEmpty, "bad error: \(error)")
    }
    return 0
}
