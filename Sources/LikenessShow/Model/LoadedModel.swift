import Foundation
import LikenessEngine
import LikenessMedia
import LikenessPath

// MARK: - Conformances

extension Generator: ImageGenerator {}

extension LatentPath: LatentSource {
    /// The next keyframe after `t`: for sitters the start of the next sitter's hold, for drift and loop the next
    /// face the spline passes through (`k · spacing / speed`).
    public func nextKeyframeTime(after t: Double) -> Double? {
        let spacing: Double
        switch style {
        case let .sitters(hold, morph): spacing = hold + morph
        case let .drift(secondsPerKeyframe): spacing = secondsPerKeyframe
        case let .loop(keyframes, period): spacing = period / Double(keyframes)
        }
        let step = spacing / speed
        var k = (t / step).rounded(.down) + 1
        if k * step <= t { k += 1 }
        return k * step
    }

    /// The keyframe whose face dominates `t` (``LatentPath/keyframeShown(at:)``).
    public func sitter(at t: Double) -> Int? {
        Int(exactly: keyframeShown(at: t))
    }
}

// MARK: - LoadedModel

/// A model file read once, checked by the engine, and ready to make one `Generator` per generating thread.
public struct LoadedModel: Sendable {
    /// Where it was loaded from.
    public let url: URL
    /// The ONNX bytes (each generating thread plans its own `Generator` from them).
    public let data: Data
    /// Name, credit and sizes for the overlay and captions.
    public let info: ModelInfo
    /// The model card from `likeness.card`.
    public let card: ModelCard
    /// All ONNX metadata_props.
    public let metadata: [String: String]
    /// Cost of one frame.
    public let gflopPerFrame: Double
    /// The exhibition's detail stages (`[model] detail`), checked against the generator and each other.
    public var detail: [DetailStageFile] = []
    /// Whether `detail` came from `"auto"`: `show` may then run a prefix of it (see ``AutoDetail``);
    /// `frames` and `record` run all of it either way.
    public var detailIsAutomatic = false

    /// The generator's picture, `[3, H, W]`.
    public var generatorShape: PlaneShape {
        PlaneShape(channels: 3, width: info.imageWidth, height: info.imageHeight)
    }

    /// The stages `detail = "auto"` uses for the generator at `generator`: `model.onnx` in each of
    /// ``DetailChoice/automaticStageFolders`` beside the generator's folder, in order, while each file
    /// exists and reads what the one before paints (the first missing or unfitting one ends the chain, so a
    /// custom generator without the shipped stages gets none). A stage that is there but broken is an error.
    public static func automaticDetail(beside generator: URL, picture: PlaneShape) throws(ShowError) -> [DetailStageFile] {
        let models = generator.deletingLastPathComponent().deletingLastPathComponent()
        var chain: [DetailStageFile] = []
        var shape = picture
        for folder in DetailChoice.automaticStageFolders {
            let url = models.appendingPathComponent(folder).appendingPathComponent("model.onnx").standardizedFileURL
            guard url != generator.standardizedFileURL, FileManager.default.isReadableFile(atPath: url.path) else { break }
            let stage = try DetailStageFile.load(url: url)
            guard stage.input == shape else { break }
            chain.append(stage)
            shape = stage.output
        }
        return chain
    }

    /// Size of the picture after the detail stages (the generator's without any).
    public var pictureWidth: Int { detail.last?.output.width ?? info.imageWidth }
    public var pictureHeight: Int { detail.last?.output.height ?? info.imageHeight }

    /// Loads and validates the model at `url`.
    public static func load(url: URL) throws(ShowError) -> LoadedModel {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .modelFailed(path: url.path, reason: "cannot read the file; check its permissions")
        }
        let generator: Generator
        do {
            generator = try Generator(data: data, batchSize: 1, threads: 1)
        } catch {
            throw .modelFailed(path: url.path, reason: error.description)
        }
        let card = ModelCard(json: generator.metadata["likeness.card"])
        let name = card.name.isEmpty ? url.deletingPathExtension().lastPathComponent : card.name
        return LoadedModel(
            url: url, data: data,
            info: ModelInfo(name: name, credit: card.credit, imageWidth: generator.imageWidth,
                            imageHeight: generator.imageHeight, zDim: generator.zDim),
            card: card, metadata: generator.metadata, gflopPerFrame: generator.gflopPerFrame)
    }

    /// Finds the exhibition's model (or `overridePath`), loads it, and checks the motion settings against it.
    public static func load(for exhibition: Exhibition, overridePath: String? = nil) throws(ShowError) -> LoadedModel {
        var model = try load(url: exhibition.resolveModel(overridePath: overridePath))
        switch exhibition.model.detail {
        case .auto:
            model.detail = try automaticDetail(beside: model.url, picture: model.generatorShape)
            model.detailIsAutomatic = true
        case let .stages(paths):
            var shape = model.generatorShape
            for path in paths {
                let candidates = exhibition.candidates(for: path, besideExhibition: true)
                guard let url = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) else {
                    throw .modelNotFound(path: path, searched: candidates.map(\.path))
                }
                let stage = try DetailStageFile.load(url: url)
                guard stage.input == shape else {
                    throw .invalidRequest(message: "the detail stage \(url.path) reads \(stage.input.width)x\(stage.input.height), but the stage before it paints \(shape.width)x\(shape.height)",
                                          hint: "list [model] detail in order (refiner before painter) for this generator")
                }
                shape = stage.output
                model.detail.append(stage)
            }
        }
        do {
            try LatentPath.validate(zDim: model.info.zDim, style: exhibition.motion.style,
                                    truncation: Float(exhibition.motion.truncation), speed: exhibition.motion.speed)
        } catch {
            throw .invalidRequest(message: "the motion settings do not make a path: \(error.description)",
                                  hint: "fix [motion] in \(exhibition.source?.path ?? "the exhibition")")
        }
        return model
    }

    /// Makes a generator from the loaded bytes (call on the thread that will use it).
    public var makeGenerator: GeneratorFactory {
        let data = self.data
        return { threads in try Generator(data: data, batchSize: 1, threads: threads) }
    }

    /// A screen's path: its seed, the exhibition's motion, tempo and truncation.
    public static let makePath: PathFactory = { screen, motion, zDim in
        LatentPath(seed: screen.seed, zDim: zDim, style: motion.style,
                   truncation: Float(motion.truncation), speed: motion.speed)
    }
}
