import LikenessPath

// MARK: - RecordingPlan

/// How many frames a recording has and, for a loop, the motion that closes exactly.
///
/// A loop of `seconds` at `fps` has `seconds * fps` frames (which must be a whole number): frame `i` shows
/// show time `i / fps`, the last one `(n - 1) / fps`, and the loop's period is `n / fps`, so the frame after
/// the last would be frame 0 again. The path's loop period is in path seconds (show seconds × speed).
public struct RecordingPlan: Sendable, Equatable {
    /// The exhibition to render (motion replaced by a loop when `loop`).
    public let exhibition: Exhibition
    public let seconds: Double
    public let loop: Bool
    public let frameCount: Int

    public init(exhibition: Exhibition, seconds: Double, loop: Bool) throws(ShowError) {
        let fps = exhibition.output.fps
        let exact = seconds * Double(fps)
        var exhibition = exhibition
        if loop {
            let frames = exact.rounded()
            guard abs(exact - frames) < 1e-6, frames >= 2 else {
                let suggestion = max(2, Int(exact.rounded()))
                throw .invalidRequest(
                    message: "a loop of \(seconds) s at \(fps) fps would be \(exact) frames, not a whole number",
                    hint: "choose --seconds so that seconds × fps is whole, e.g. --seconds \(Double(suggestion) / Double(fps))")
            }
            let speed = exhibition.motion.speed
            let pathPeriod = seconds * speed
            let keyframes: Int
            switch exhibition.motion.style {
            case let .loop(k, _): keyframes = k
            case let .sitters(hold, morph): keyframes = max(2, Int((pathPeriod / (hold + morph)).rounded()))
            case let .drift(spk): keyframes = max(2, Int((pathPeriod / spk).rounded()))
            }
            exhibition.motion.style = .loop(keyframes: keyframes, period: pathPeriod)
            frameCount = Int(frames)
        } else {
            frameCount = max(1, Int(exact.rounded()))
        }
        self.exhibition = exhibition
        self.seconds = seconds
        self.loop = loop
    }
}
