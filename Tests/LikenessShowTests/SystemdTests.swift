import Foundation
import LikenessTestSupport
import Testing
@testable import LikenessShow

@Suite("systemd notify, watchdog and curtain")
struct SystemdTests {
    @Test("the notifier delivers datagrams to NOTIFY_SOCKET; a missing or absurd socket is no notifier")
    func notifier() throws {
        let socket = try NotifySocket()
        defer { socket.close() }
        let notifier = try #require(SystemdNotifier(socketPath: socket.path))
        #expect(notifier.send("READY=1"))
        #expect(notifier.send("STATUS=open; 1 screen(s)"))
        for _ in 0..<50 where socket.messages.count < 2 { usleep(20_000) }
        #expect(socket.messages.map(\.message) == ["READY=1", "STATUS=open; 1 screen(s)"])
        #expect(SystemdNotifier(socketPath: nil) == nil && SystemdNotifier(socketPath: "") == nil)
        #expect(SystemdNotifier(socketPath: String(repeating: "x", count: 200)) == nil)
        // A socket nobody listens on: sending fails quietly.
        #expect(SystemdNotifier(socketPath: "/nonexistent/notify")?.send("WATCHDOG=1") == false)
    }

    @Test("watchdog: pings every interval while frames come, none while a producer is stuck")
    func watchdogPolicy() {
        var w = Watchdog(watchdogMicroseconds: 2_000_000)   // WatchdogSec=2: ping every 1 s, stuck after 1 s
        #expect(w.interval == 1 && w.stallLimit == 1)
        let r1 = w.shouldPing(now: 10, sinceLastFrame: 0.1, waiting: false)
        #expect(r1)
        let r2 = w.shouldPing(now: 10.5, sinceLastFrame: 0.1, waiting: false)
        #expect(!r2, "too soon")
        let r3 = w.shouldPing(now: 11, sinceLastFrame: 0.2, waiting: false)
        #expect(r3)
        let r4 = w.shouldPing(now: 12.5, sinceLastFrame: 1.5, waiting: false)
        #expect(!r4, "stuck generator: no ping")
        let r5 = w.shouldPing(now: 12.6, sinceLastFrame: 1.6, waiting: true)
        #expect(r5, "paused: the producer waits on a full queue")
        let r6 = w.shouldPing(now: 14, sinceLastFrame: nil, waiting: false)
        #expect(r6, "closed: nothing generates, the loop lives")
    }

    @Test("curtain: fade out, stop, sleep; at opening start, then fade fresh frames in")
    func curtain() {
        var c = Curtain(open: true, fade: 2, outside: .black)
        let r7 = c.update(isOpen: true, now: 0, framesReady: true)
        #expect(r7.isEmpty && c.brightness(at: 0) == 1)
        let r8 = c.update(isOpen: false, now: 10, framesReady: true)
        #expect(r8.isEmpty)
        #expect(c.brightness(at: 11) == 0.5 && c.generating)
        let r9 = c.update(isOpen: false, now: 12, framesReady: true)
        #expect(r9 == [.stopProducers, .displaySleep(true)])
        #expect(!c.generating && c.brightness(at: 13) == 0)
        let r10 = c.update(isOpen: true, now: 100, framesReady: false)
        #expect(r10 == [.displaySleep(false), .startProducers])
        #expect(c.brightness(at: 100.5) == 0, "no fade-in before fresh frames")
        _ = c.update(isOpen: true, now: 101, framesReady: true)
        #expect(c.brightness(at: 102) == 0.5)
        _ = c.update(isOpen: true, now: 103, framesReady: true)
        #expect(c.phase == .open)
        // Closing again and reopening in the middle of the fade: no jump in brightness.
        _ = c.update(isOpen: false, now: 200, framesReady: true)
        let before = c.brightness(at: 200.5)
        _ = c.update(isOpen: true, now: 200.5, framesReady: true)
        #expect(abs(c.brightness(at: 200.5) - before) < 1e-9)
        var card = Curtain(open: false, fade: 0, outside: .card)
        let r11 = card.update(isOpen: true, now: 1, framesReady: false)
        #expect(r11 == [.startProducers], "a card keeps the display awake")
    }
}
