import ArgumentParser

// MARK: - likeness

/// The `likeness` command: an endless generative portrait exhibition.
@main
struct Likeness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likeness",
        abstract: "An endless generative portrait exhibition on an ordinary CPU.",
        discussion: """
        A generator trained on public-domain portrait paintings paints people who never existed, \
        one slowly turning into the next: in a kiosk window, into a looping video, or as PNG frames.

        Exhibition files (TOML) say which model, how the faces move, on which screens and at what size; \
        start from Exhibition/default.toml. Every key is described in the README.

        Examples:
          likeness show                            # default exhibition, fullscreen
          likeness show Exhibition/diptych.toml    # two screens, two streams
          likeness record Exhibition/loop-video.toml --output loop.mp4
          likeness frames --count 100 --output frames/
          likeness frames --size 512x512 --output - | ffplay -f rawvideo \\
              -pixel_format rgb24 -video_size 512x512 -
          likeness curate                          # rate portraits in a browser: teach it your taste
          likeness info
        """,
        version: "0.1.0",
        subcommands: [Show.self, Record.self, Frames.self, Curate.self, Taste.self, Info.self, LineageCommand.self, Service.self, Bench.self, Eval.self]
    )
}
