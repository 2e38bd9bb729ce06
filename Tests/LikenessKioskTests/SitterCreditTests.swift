import Foundation
import LikenessDisplay
import LikenessMedia
import LikenessShow
import Testing
@testable import LikenessKiosk

final class FixedCredits: SitterCreditProvider, @unchecked Sendable {
    func credit(atShowTime t: Double) -> SitterCredit? {
        let k = Int64(t / 10)
        return SitterCredit(sitter: k, works: [
            .init(credit: "Rembrandt, Self-Portrait (1660)", objectCredit: "The Met, object 437397", url: "https://www.metmuseum.org/art/collection/search/437397",
                  thumbnail: Frame(width: 8, height: 8)),
            .init(credit: "The Met, object 10075", objectCredit: "The Met, object 10075", url: "https://www.metmuseum.org/art/collection/search/10075", thumbnail: nil),
        ], resembles: "resembles Rembrandt, Self-Portrait (1660) · The Met, object 437397 · The Met, object 10075",
           collection: "painted by Likeness from 1,042 public-domain portraits, The Met")
    }
}

@Suite struct SitterCreditTests {
    @Test("a model without lineage: the label names the show and the collection, with no works")
    func withoutLineage() {
        var state = SitterCreditState(label: true, title: "Likeness", collection: "Trained on 1042 portraits (CC0).")
        let changed = state.update(nil)
        #expect(!changed)
        #expect(state.label?.works.isEmpty == true && state.label?.qr == nil && state.credit == nil)
        #expect(state.label?.collection == "Trained on 1042 portraits (CC0).")
    }

    @Test("with lineage: the label names the sitter, its works and a QR code; made again only for a new sitter")
    func withLineage() throws {
        var state = SitterCreditState(label: true, title: "Likeness", collection: "credit")
        let provider = FixedCredits()
        let first = state.update(provider.credit(atShowTime: 25))
        let same = state.update(provider.credit(atShowTime: 26))  // same sitter: nothing to redraw
        #expect(first && !same)
        let label = try #require(state.label)
        #expect(label.title == "Sitter No. 3" && label.id == 2)
        #expect(label.works.map(\.lines) == [["Rembrandt, Self-Portrait (1660)", "The Met, object 437397"], ["The Met, object 10075"]])
        #expect(label.qr != nil && (label.qr?.size ?? 0) >= 21)
        let next = state.update(provider.credit(atShowTime: 31))
        #expect(next)
    }

    @Test func labelLayoutAndWrapping() {
        let wide = WallLabel.layout(width: 1920, height: 1080)
        #expect(wide.portrait.width == 1080 && wide.label.x == 1080 && wide.label.width == 840)
        let tall = WallLabel.layout(width: 1080, height: 1920)
        #expect(tall.label.y + tall.label.height == 1920 && tall.portrait.height == 1920 - tall.label.height)
        #expect(WallLabel.wrap("painted by Likeness from 1,042 portraits", columns: 12) == ["painted by", "Likeness", "from 1,042", "portraits"])
        #expect(WallLabel.wrap("abcdefghij", columns: 4) == ["abcd", "efgh", "ij"])
        #expect(WallLabel.printable("Élisabeth Vigée Le Brun") == "Elisabeth Vigee Le Brun")
    }
}
