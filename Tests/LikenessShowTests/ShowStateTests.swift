import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Show state and commands

@Suite struct ShowStateTests {
    @Test func pauseResumeOverlayBlackout() {
        var state = ShowState(exhibition: Exhibition())
        #expect(state.apply(.pause) == [.redraw] && state.paused)
        #expect(state.apply(.pause) == [])
        #expect(state.apply(.resume) == [.redraw] && !state.paused)
        #expect(state.apply(.overlay(true)) == [.redraw] && state.overlayVisible)
        #expect(state.apply(.blackout(true)) == [.redraw] && state.blackout)
        #expect(state.apply(.snapshot) == [.snapshot])
        #expect(state.apply(.nextSitter) == [.skipToNextKeyframe])
    }

    @Test func speedAndTruncationAreRelativeToThePathAndChecked() {
        var e = Exhibition()
        e.motion.speed = 2
        e.motion.truncation = 0.8
        var state = ShowState(exhibition: e)
        #expect(state.apply(.setSpeed(3)) == [.setRate(1.5), .redraw])
        #expect(state.speed == 3)
        #expect(state.apply(.setTruncation(0.4)) == [.setLatentScale(0.5), .redraw])
        guard case .log = state.apply(.setSpeed(0))[0] else { Issue.record("speed 0 accepted"); return }
        guard case .log = state.apply(.setTruncation(.nan))[0] else { Issue.record("NaN truncation accepted"); return }
        #expect(state.speed == 3 && state.truncation == 0.4)
    }

    @Test func aBadReloadKeepsTheOldExhibitionWithALogLine() {
        var state = ShowState(exhibition: Exhibition(title: "old"))
        let effects = state.apply(.reload) { try Exhibition.parse("[motion]\nstyle = \"wobble\"\n", file: "show.toml") }
        #expect(state.exhibition.title == "old")
        guard effects.count == 1, case let .log(line) = effects[0] else { Issue.record("\(effects)"); return }
        #expect(line.contains("reload failed") && line.contains("show.toml:2"))
    }

    @Test func aGoodReloadRestartsTheProducers() {
        var state = ShowState(exhibition: Exhibition(title: "old"))
        let effects = state.apply(.reload) { try Exhibition.parse("title = \"new\"\n[motion]\nspeed = 2\n") }
        #expect(state.exhibition.title == "new" && state.speed == 2)
        #expect(effects.contains(.restartProducers))
    }

    @Test func theQueueKeepsOrderAcrossThreads() async {
        let queue = ShowCommandQueue()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask { for _ in 0..<100 { queue.post(.setSpeed(Double(i + 1))) } }
            }
        }
        let drained = queue.drain()
        #expect(drained.count == 800)
        #expect(queue.drain().isEmpty)
        for i in 1...8 { #expect(drained.filter { $0 == .setSpeed(Double(i)) }.count == 100) }
    }
}
