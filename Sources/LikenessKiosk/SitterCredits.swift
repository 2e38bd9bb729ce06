import LikenessDisplay
import LikenessShow

// MARK: - Sitter credits in the live show

/// One screen's caption, overlay line and wall label for the sitter on show, refreshed a few times a second
/// from its ``SitterCreditProvider`` (never per frame; the provider computes elsewhere). Without a provider
/// (a model without lineage) the caption is the collection credit and the label has no works, as before.
struct SitterCreditState {
    private(set) var credit: SitterCredit?
    private(set) var caption: String?
    private(set) var label: WallLabel?
    private let baseCaption: String?
    private let labelOn: Bool
    private let title: String
    private let collection: String

    init(caption: String?, label: Bool, title: String, collection: String) {
        baseCaption = caption
        labelOn = label
        self.title = title
        self.collection = collection
        self.caption = caption
        self.label = label ? WallLabel(id: -1, title: title, collection: collection, worksHeading: "", works: [], qrText: nil) : nil
    }

    /// Asks `provider` about show time `t`; true when what is drawn changed.
    mutating func refresh(_ provider: (any SitterCreditProvider)?, showTime t: Double?) -> Bool {
        guard let provider, let t, let next = provider.credit(atShowTime: t), next != credit else { return false }
        credit = next
        caption = baseCaption.map { $0 + "\n" + next.resembles }
        if labelOn {
            label = WallLabel(id: next.sitter, title: "Sitter No. \(next.sitter + 1)", collection: next.collection,
                              works: next.works.map { .init(thumbnail: $0.thumbnail, lines: [$0.credit] + ($0.credit == $0.objectCredit ? [] : [$0.objectCredit])) },
                              qrText: next.works.first?.url)
        }
        return true
    }
}
