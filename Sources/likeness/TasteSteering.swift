import Foundation
import LikenessShow
import LikenessTaste

// MARK: - Taste steering

/// The paths of a show and what it tells about its model: each screen steered by its own taste or the
/// exhibition's `[taste]` when one names a file (notes each on stderr), the plain seeded paths otherwise.
func steering(for exhibition: Exhibition, model: LoadedModel) throws -> (makePath: PathFactory, info: ModelInfo) {
    let tastes = try ScreenTastes(exhibition: exhibition) { try LoadedTaste.load(url: $0, model: model) }
    guard tastes.steersAny else { return (LoadedModel.makePath, model.info) }
    var info = model.info
    let summaries = tastes.summaries(names: exhibition.screens.map(\.name))
    info.taste = summaries.joined(separator: "; ")
    let curators = Set(tastes.screens.compactMap { $0.taste?.curator }.filter { !$0.isEmpty }).sorted()
    if !curators.isEmpty {
        let names = curators.joined(separator: " and ")
        info.credit = info.credit.isEmpty ? "curated by \(names)" : "\(info.credit) - curated by \(names)"
    }
    for (summary, taste) in zip(summaries, tastes.screens.compactMap(\.taste)) {
        note(summary + (taste.otherModelRatings > 0 ? " (\(taste.otherModelRatings) ratings of other models ignored)" : ""))
    }
    return (tastes.pathFactory(exhibition: exhibition, plain: LoadedModel.makePath, makeGenerator: model.makeGenerator), info)
}
