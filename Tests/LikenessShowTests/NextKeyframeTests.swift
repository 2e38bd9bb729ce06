import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Latent path keyframes

@Suite struct NextKeyframeTests {
    @Test func sittersSkipToTheNextSittersHold() {
        let path = LatentPath(seed: 1, zDim: 8, style: .sitters(hold: 6, morph: 4), speed: 2)
        #expect(path.nextKeyframeTime(after: 0) == 5)
        #expect(path.nextKeyframeTime(after: 4.99) == 5)
        #expect(path.nextKeyframeTime(after: 5) == 10)
    }

    @Test func driftAndLoopSkipToTheNextFace() {
        #expect(LatentPath(seed: 1, zDim: 8, style: .drift(secondsPerKeyframe: 8)).nextKeyframeTime(after: 9) == 16)
        #expect(LatentPath(seed: 1, zDim: 8, style: .loop(keyframes: 6, period: 60)).nextKeyframeTime(after: 21) == 30)
    }
}
