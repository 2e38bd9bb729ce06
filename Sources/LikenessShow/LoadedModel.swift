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

    /// One detail stage read from disk: its bytes (each producer plans its own) and what it does.
    public struct DetailStageFile: Sendable, Equatable {
        public let url: URL
        public let data: Data
        public let input: PlaneShape, output: PlaneShape
        public let gflopPerFrame: Double
    }

    /// The pipeline's model stages after the generator, planned with `threads` (see ``StagePipeline``).
    public func detailStages(threads: Int) -> [StagePipeline.Configuration.Stage] {
        detail.map { .detail(name: $0.url.deletingLastPathComponent().lastPathComponent, model: $0.data, threads: threads) }
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
        var shape = PlaneShape(channels: 3, width: model.info.imageWidth, height: model.info.imageHeight)
        for path in exhibition.model.detail {
            let candidates = exhibition.candidates(for: path, besideExhibition: true)
            guard let url = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) else {
                throw .modelNotFound(path: path, searched: candidates.map(\.path))
            }
            let stage = try LoadedStage.load(url: url)
            let input = PlaneShape(channels: stage.inputShape[1], width: stage.inputShape[3], height: stage.inputShape[2])
            guard input == shape else {
                throw .invalidRequest(message: "the detail stage \(url.path) reads \(input.width)x\(input.height), but the stage before it paints \(shape.width)x\(shape.height)",
                                      hint: "list [model] detail in order (refiner before painter) for this generator")
            }
            shape = PlaneShape(channels: 3, width: stage.outputShape[3], height: stage.outputShape[2])
            model.detail.append(DetailStageFile(url: url, data: stage.data, input: input, output: shape, gflopPerFrame: stage.gflopPerFrame))
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
