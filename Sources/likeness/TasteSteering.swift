import Foundation
import LikenessShow
import LikenessTaste

// MARK: - Taste steering

/// The paths of a show and what it tells about its model: steered by the exhibition's `[taste]` when it
/// names a file (notes the taste on stderr), the plain seeded paths otherwise.
func steering(for exhibition: Exhibition, model: LoadedModel) throws -> (makePath: PathFactory, info: ModelInfo) {
    guard let url = exhibition.tasteFile() else { return (LoadedModel.makePath, model.info) }
    let taste = try LoadedTaste.load(url: url, model: model)
    var info = model.info
    let summary = taste.summary(settings: exhibition.taste)
    info.taste = summary
    if let curator = taste.curator, !curator.isEmpty {
        info.credit = info.credit.isEmpty ? "curated by \(curator)" : "\(info.credit) - curated by \(curator)"
    }
    note(summary + (taste.otherModelRatings > 0 ? " (\(taste.otherModelRatings) ratings of other models ignored)" : ""))
    return (taste.pathFactory(settings: exhibition.taste, makeGenerator: model.makeGenerator), info)
}
