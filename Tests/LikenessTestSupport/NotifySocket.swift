import Foundation

/// A test-owned `NOTIFY_SOCKET`: a unix datagram socket in a temporary folder that records every message
/// with the time it arrived (monotonic seconds), read on its own thread.
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(time: Double, message: String)] = []
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    public init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("notify").path
        #if canImport(Glibc)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let status = withUnsafePointer(to: &address) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard fd >= 0, status == 0 else { throw CocoaError(.fileWriteUnknown) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while lock.withLock({ running }) {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    let text = String(decoding: buffer[0..<n], as: UTF8.self)
                    var ts = timespec()
                    clock_gettime(CLOCK_MONOTONIC, &ts)
                    let now = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
                    lock.withLock { received.append((now, text)) }
                }
            }
            done.signal()
        }
        thread.start()
    }

    /// Every message so far, oldest first.
    public var messages: [(time: Double, message: String)] { lock.withLock { received } }

    /// Stops listening and removes the socket.
    public func close() {
        lock.withLock { running = false }
        done.wait()
        Foundation.close(fd)
        unlink(path)
    }
}
