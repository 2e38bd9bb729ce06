import Foundation
import Synchronization

// MARK: - StopSignal

/// SIGINT / SIGTERM turned into a flag that render loops poll, so they can finish files cleanly.
///
/// The first signal asks loops to stop (they finalise videos and stop writing frames); a second one exits at
/// once (ffmpeg still finalises a video on its own when its input closes).
public enum StopSignal {
    static let count = Atomic<Int>(0)

    /// Installs the handlers for SIGINT and SIGTERM and unblocks both on the calling thread (threads started
    /// from it inherit that). A parent may have started us with them blocked (e.g. from a dispatch worker thread).
    public static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                let (_, now) = StopSignal.count.add(1, ordering: .relaxed)
                if now >= 2 { _exit(128 + number) }
            }
        }
    }

    /// Whether a stop was asked for.
    public static var isRequested: Bool { count.load(ordering: .relaxed) > 0 }

    /// Asks loops to stop (as a signal would).
    public static func request() { count.add(1, ordering: .relaxed) }

    /// Clears the flag (tests).
    public static func reset() { count.store(0, ordering: .relaxed) }
}
