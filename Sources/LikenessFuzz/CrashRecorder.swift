#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - CrashRecorder

/// Keeps the input being run when the process dies of a signal (a Swift trap is SIGILL or SIGTRAP, an
/// abort SIGABRT, a bad access SIGSEGV or SIGBUS), so that a crash found by fuzzing is saved as a
/// regression case although the process cannot recover from it.
///
/// Before each input the runner copies it into a buffer allocated once; the signal handler only calls
/// `open`, `write`, `close` and `sigaction` (async-signal-safe), then restores the previous handler
/// (the Swift runtime's backtracer, or the default) and re-raises, so the crash is reported as usual.
/// One recorder at a time; it holds raw memory, hence the unsafe names.
public final class CrashRecorder: @unchecked Sendable {
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE]

    private let capacity: Int

    /// Records crashes into the file at `path` (created only when a crash happens), for inputs of at
    /// most `capacity` bytes (longer ones are cut).
    public init(path: String, capacity: Int) {
        self.capacity = max(1, capacity)
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
        let pathBytes = Array(path.utf8CString)
        let cPath = UnsafeMutablePointer<CChar>.allocate(capacity: pathBytes.count)
        cPath.initialize(from: pathBytes, count: pathBytes.count)
        let note = Array("\nlikeness-fuzz: crashed; the input is saved as \(path)\n".utf8)
        let cNote = UnsafeMutablePointer<UInt8>.allocate(capacity: note.count)
        cNote.initialize(from: note, count: note.count)
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: Self.signals.count)
        previous.initialize(repeating: sigaction(), count: Self.signals.count)
        crashState = CrashState(input: input, capacity: self.capacity, length: 0, path: cPath,
                                note: cNote, noteLength: note.count, previous: previous)
        for (i, signal) in Self.signals.enumerated() {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = crashRecorderHandler
            #else
            action.__sigaction_u.__sa_handler = crashRecorderHandler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + i)
        }
    }

    /// Copies `input` where the handler will find it.
    public func unsafeRemember(_ input: [UInt8]) {
        guard let state = crashState else { return }
        let count = min(input.count, capacity)
        input.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { state.input.update(from: base, count: count) }
        }
        crashState?.length = count
    }

    /// Puts the previous handlers back and frees the buffers.
    public func uninstall() {
        guard let state = crashState else { return }
        for (i, signal) in Self.signals.enumerated() { sigaction(signal, state.previous + i, nil) }
        crashState = nil
        state.input.deallocate()
        state.path.deallocate()
        state.note.deallocate()
        state.previous.deallocate()
    }

    deinit { uninstall() }
}

/// What the handler needs, in memory allocated before any crash.
private struct CrashState {
    var input: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var length: Int
    var path: UnsafeMutablePointer<CChar>
    var note: UnsafeMutablePointer<UInt8>
    var noteLength: Int
    var previous: UnsafeMutablePointer<sigaction>
}

nonisolated(unsafe) private var crashState: CrashState?

private func crashRecorderHandler(_ signal: Int32) {
    guard let state = crashState else { return }
    let file = open(state.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if file >= 0 {
        _ = write(file, state.input, state.length)
        _ = close(file)
    }
    _ = write(2, state.note, state.noteLength)
    if let i = CrashRecorder.signals.firstIndex(of: signal) { sigaction(signal, state.previous + i, nil) }
    raise(signal)
}
