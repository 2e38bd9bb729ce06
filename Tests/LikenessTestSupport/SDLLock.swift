import Foundation

/// Serialises SDL use across test suites and modules in one process (SDL's video state is global).
///
/// An `flock` on a fixed file: separate `open`s conflict even inside one process.
public func withSDLLock<T>(_ body: () throws -> T) rethrows -> T {
    let fd = open("/tmp/likeness-sdl-tests.lock", O_CREAT | O_RDWR, 0o666)
    flock(fd, LOCK_EX)
    defer {
        flock(fd, LOCK_UN)
        close(fd)
    }
    return try body()
}
