import Foundation
import LikenessEngine
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Frame queue

@Suite struct FrameQueueTests {
    @Test func boundedQueueHandsOverInOrderAndCloses() {
        let queue = FrameQueue(capacity: 2)
        let frame = Frame(width: 2, height: 2)
        let done = DispatchSemaphore(value: 0)
        Thread {
            for i in 0..<10 {
                queue.put(.init(frame: frame, index: i, showTime: 0, renderSeconds: 0, producedAt: 0))
            }
            queue.close()
            done.signal()
        }.start()
        var seen: [Int] = []
        while let item = queue.take() {
            #expect(queue.count <= 2)
            seen.append(item.index)
        }
        done.wait()
        #expect(seen == Array(0..<10))
    }

    @Test func recycledFramesAreReused() {
        let queue = FrameQueue(capacity: 2)
        queue.recycle(Frame(width: 4, height: 4))
        #expect(queue.reusableFrame(width: 3, height: 3) == nil)
        queue.recycle(Frame(width: 4, height: 4))
        #expect(queue.reusableFrame(width: 4, height: 4) != nil)
    }
}
