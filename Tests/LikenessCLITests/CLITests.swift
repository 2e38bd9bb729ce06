import Foundation
import LikenessMedia
import Testing

// MARK: - Help and errors

@Suite struct CLIBasicsTests {
    /// The fixture model is committed: a missing one is a failure, not a reason to skip the CLI tests.
    @Test func theCommittedFixtureModelIsThere() {
        #expect(fixtureExists, "\(fixtureModel) is missing; it is committed (regenerate with `make fixtures`)")
    }

    @Test func helpListsTheCommands() throws {
        let result = try likeness(["--help"])
        #expect(result.status == 0)
        for command in ["show", "record", "frames", "info"] {
            #expect(result.stdoutText.contains(command), "--help lacks \(command)")
        }
    }

    @Test func badExhibitionIsOneClearLine() throws {
        let folder = temporaryFolder()
        let file = folder.appendingPathComponent("bad.toml")
        try "[motion]\nstyle = \"wobble\"\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try likeness(["frames", file.path, "--count", "1", "--output", folder.appendingPathComponent("out").path, "--model", fixtureModel])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("likeness: error: \(file.path):2: key 'motion.style' has value \"wobble\""))
    }

    /// Every command reports an error the same way: one `likeness: error: …` line with a hint.
    @Test("one error idiom across commands", arguments: [
        (["eval", "--model", "MODEL", "--input", "/nonexistent/z.f32", "--output", "OUT"], "cannot read latents '/nonexistent/z.f32'"),
        (["eval", "--model", "MODEL", "--input", "LATENTS", "--output", "OUT"], "holds 7 bytes, not a whole number of float32 values"),
        (["bench", "--model", "/nonexistent/m.onnx", "--iterations", "1"], "/nonexistent/m.onnx"),
        (["info", "/nonexistent/m.onnx"], "/nonexistent/m.onnx"),
        (["frames", "--count", "1", "--output", "OUT", "--model", "/nonexistent/m.onnx"], "/nonexistent/m.onnx"),
    ])
    func oneErrorIdiom(arguments: [String], expected: String) throws {
        let folder = temporaryFolder()
        let latents = folder.appendingPathComponent("z.f32")
        try Data(count: 7).write(to: latents)  // not whole float32 values either
        let resolved = arguments.map {
            $0 == "MODEL" ? fixtureModel : $0 == "OUT" ? folder.appendingPathComponent("out").path : $0 == "LATENTS" ? latents.path : $0
        }
        let result = try likeness(resolved)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && result.stderr.hasPrefix("likeness: error: ") && result.stderr.contains(expected), "stderr: \(result.stderr)")
    }

    @Test func missingModelIsAClearError() throws {
        let result = try likeness(["frames", "--count", "1", "--output", temporaryFolder().path, "--model", "/nonexistent/model.onnx"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("model '/nonexistent/model.onnx' not found"))
    }

    @Test
    func infoShowsCardShapesAndCost() throws {
        let result = try likeness(["info", fixtureModel])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("GFLOP per frame"))
        #expect(result.stdoutText.contains("input        z float32 [N, "))
        #expect(result.stdoutText.contains("output       image float32 [N, 3, "))
    }

    /// The shipped model's card lists 1042 object ids: a person sees a count and a sample, wrapped
    /// lines; `--json` gives every id.
    @Test func infoIsReadableAndJSONIsComplete() throws {
        let shipped = packageRoot.appendingPathComponent("Models/met-portraits-128/model.onnx").path
        let text = try likeness(["info", shipped])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdoutText.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 110 }, "a line is too long: \(lines.max { $0.count < $1.count } ?? "")")
        #expect(text.stdoutText.contains("met object ids: 1042 values: "))
        #expect(text.stdoutText.contains("near copies: 0"))
        let json = try likeness(["info", shipped, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let card = try #require(object["card"] as? [String: Any])
        let ids = try #require((card["data"] as? [String: Any])?["met_object_ids"] as? [Int])
        #expect(ids.count == 1042)
        #expect((object["gflop_per_frame"] as? Double ?? 0) > 0.1)
        // What detail = "auto" runs after it: the shipped refiner and painter, and the chain's cost.
        #expect(text.stdoutText.contains("detail       auto (met-refiner-256, met-painter-1024)\n"), "\(text.stdoutText)")
        #expect(text.stdoutText.contains("  level 2    + met-painter-1024: 256x256 -> 1024x1024, "))
        #expect(text.stdoutText.contains(" GFLOP per 1024x1024 frame (generator and every stage)"))
        let detail = try #require(object["detail"] as? [String: Any])
        #expect(detail["choice"] as? String == "auto")
        #expect((detail["stages"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["met-refiner-256", "met-painter-1024"])
        #expect((detail["chain_gflop_per_frame"] as? Double ?? 0) > 2.5)
        // A generator with no stages beside it: auto is none.
        #expect(try likeness(["info", fixtureModel]).stdoutText.contains("detail       auto: none"))
    }
}

// MARK: - frames

@Suite struct FramesCommandTests {
    func frames(_ extra: [String]) throws -> CommandResult {
        try likeness(["frames", "Exhibition/default.toml", "--model", fixtureModel, "--size", "64x64"] + extra)
    }

    @Test
    func sameExhibitionAndSeedGiveByteIdenticalFilesAndResumeExactly() throws {
        let a = temporaryFolder(), b = temporaryFolder(), c = temporaryFolder()
        #expect(try frames(["--count", "4", "--output", a.path]).status == 0)
        #expect(try frames(["--count", "4", "--output", b.path]).status == 0)
        #expect(try frames(["--count", "2", "--start-frame", "2", "--output", c.path]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        #expect(names == ["frame-000000.png", "frame-000001.png", "frame-000002.png", "frame-000003.png"])
        for name in names {
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: b.appendingPathComponent(name)), "\(name) differs")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: c.path).sorted() == ["frame-000002.png", "frame-000003.png"])
        for name in ["frame-000002.png", "frame-000003.png"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: c.appendingPathComponent(name)), "resumed \(name) differs")
        }
        let first = try PNGCodec.read(from: a.appendingPathComponent("frame-000000.png"))
        #expect(first.width == 64 && first.height == 64)
        // Another seed paints someone else.
        let d = temporaryFolder()
        #expect(try frames(["--count", "1", "--seed", "99", "--output", d.path]).status == 0)
        #expect(try Data(contentsOf: d.appendingPathComponent("frame-000000.png")) != Data(contentsOf: a.appendingPathComponent("frame-000000.png")))
    }

    @Test func pngCompressionChangesTheBytesNotThePixels() throws {
        let folder = temporaryFolder()
        let small = folder.appendingPathComponent("small.toml")
        try "[model]\npath = \"\(fixtureModel)\"\n[output]\nwidth = 64\nheight = 64\npng_compression = \"small\"\n"
            .write(to: small, atomically: true, encoding: .utf8)
        let a = folder.appendingPathComponent("fast"), b = folder.appendingPathComponent("small")
        #expect(try frames(["--count", "2", "--output", a.path]).status == 0)
        let result = try likeness(["frames", small.path, "--count", "2", "--output", b.path])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["frame-000000.png", "frame-000001.png"] {
            let fast = a.appendingPathComponent(name), other = b.appendingPathComponent(name)
            #expect(try Data(contentsOf: fast) != Data(contentsOf: other), "\(name): png_compression was not applied")
            #expect(try PNGCodec.read(from: fast) == PNGCodec.read(from: other), "\(name): the pixels differ")
        }
    }

    @Test
    func rawStdoutMatchesThePNGs() throws {
        let folder = temporaryFolder()
        #expect(try frames(["--count", "3", "--output", folder.path]).status == 0)
        let raw = try frames(["--count", "3", "--output", "-"])
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(raw.stdout.count == 3 * 64 * 64 * 3)
        let png = try PNGCodec.read(from: folder.appendingPathComponent("frame-000001.png"))
        #expect([UInt8](raw.stdout[(64 * 64 * 3)..<(2 * 64 * 64 * 3)]) == png.pixels)
    }
}

// MARK: - record

@Suite struct RecordCommandTests {
    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg"))
    func videoHasTheRightFrameCountAndDuration() throws {
        let out = temporaryFolder().appendingPathComponent("v.mp4")
        let result = try likeness(["record", "Exhibition/default.toml", "--model", fixtureModel, "--size", "64x64",
                                   "--fps", "12", "--seconds", "2", "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let facts = try probe(out)
        #expect(facts["nb_read_frames"] == "24")
        #expect(facts["codec_name"] == "h264")
        #expect(facts["pix_fmt"] == "yuv420p")
        #expect(facts["r_frame_rate"] == "12/1")
        #expect(abs((Double(facts["duration"] ?? "") ?? 0) - 2.0) < 0.01, "duration \(facts["duration"] ?? "?")")
        // Not a terminal: plain progress lines, no carriage returns.
        #expect(result.stderr.contains("record: ") && !result.stderr.contains("\r"))
    }

    /// Raw frames of a loop exhibition (period 3 s, `keyframes` keyframes) at 12 fps, at the model's own size.
    func loopFrames(count: Int, keyframes: Int, start: Int = 0) throws -> [Frame] {
        let folder = temporaryFolder()
        let file = folder.appendingPathComponent("loop.toml")
        try """
        [motion]
        style = "loop"
        keyframes = \(keyframes)
        period = 3.0
        truncation = 1.0
        [output]
        fps = 12
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try likeness(["frames", file.path, "--model", fixtureModel, "--size", "32x32", "--count", "\(count)",
                                   "--start-frame", "\(start)", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let size = 32 * 32 * 3
        let bytes = [UInt8](result.stdout)
        return stride(from: 0, to: bytes.count - size + 1, by: size).map {
            Frame(width: 32, height: 32, pixels: Array(bytes[$0..<($0 + size)]))
        }
    }

    /// The step from the last frame to the first is like any other step: the loop has no seam and no duplicate.
    @Test
    func loopSeamIsLikeAnyOtherStep() throws {
        let frames = try loopFrames(count: 37, keyframes: 4)
        #expect(frames.count == 37)
        guard frames.count == 37 else { return }
        let steps = (0..<35).map { frames[$0].meanAbsoluteDifference(to: frames[$0 + 1]) }
        let seam = frames[35].meanAbsoluteDifference(to: frames[0])
        let low = steps.min() ?? 0, high = steps.max() ?? 0
        print("loop steps: min \(low), max \(high), seam \(seam)")
        #expect(seam >= low * 0.5 && seam <= high * 1.5, "seam step \(seam) outside the other steps [\(low), \(high)]")
        #expect(seam > 0, "the last frame duplicates the first")
        // One period on, the picture is the first one again.
        #expect(frames[36].meanAbsoluteDifference(to: frames[0]) < 0.05, "frame 36 is not frame 0 again")
    }

    /// `record --loop` writes exactly the loop's frames: seconds × fps of them, the same pictures `frames` paints.
    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg"))
    func recordedLoopHasExactlyOnePeriod() throws {
        let out = temporaryFolder().appendingPathComponent("loop.mp4")
        let result = try likeness(["record", "Exhibition/loop-video.toml", "--model", fixtureModel, "--size", "32x32",
                                   "--fps", "12", "--seconds", "3", "--loop", "--quality", "0", "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let facts = try probe(out)
        #expect(facts["nb_read_frames"] == "36")
        #expect(abs((Double(facts["duration"] ?? "") ?? 0) - 3.0) < 0.01)
        let video = try decodeFrames(out, width: 32, height: 32)
        let exact = try loopFrames(count: 36, keyframes: 6)
        #expect(video.count == 36 && exact.count == 36)
        for i in 0..<min(video.count, exact.count) {
            let error = video[i].meanAbsoluteDifference(to: exact[i])
            #expect(error < 3, "video frame \(i) differs from the loop frame by \(error)")
        }
    }

    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg"))
    func loopOfPartialFramesIsRefused() throws {
        let result = try likeness(["record", "--model", fixtureModel, "--fps", "30", "--seconds", "1.01", "--loop",
                                   "--output", temporaryFolder().appendingPathComponent("x.mp4").path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not a whole number"))
    }

    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg"))
    func interruptedRecordingIsFinalisedAndPlays() throws {
        let out = temporaryFolder().appendingPathComponent("cut.mp4")
        let command = try RunningCommand(likenessBinary, ["record", "--model", fixtureModel, "--size", "64x64", "--fps", "10",
                                                          "--seconds", "60", "--output", out.path])
        try waitForFrames(command, minimum: 5)
        command.signal(SIGINT)
        let result = command.wait()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("finalised"))
        let frames = Int(try probe(out)["nb_read_frames"] ?? "") ?? 0
        #expect(frames >= 5, "\(frames) frames in the cut video")
    }

    /// Even a hard kill leaves a playable file: ffmpeg sees its input close and finalises on its own.
    @Test(.enabled(if: ffmpegAvailable, "needs ffmpeg"))
    func killedRecordingStillPlays() throws {
        let out = temporaryFolder().appendingPathComponent("killed.mp4")
        let command = try RunningCommand(likenessBinary, ["record", "--model", fixtureModel, "--size", "64x64", "--fps", "10",
                                                          "--seconds", "60", "--output", out.path])
        try waitForFrames(command, minimum: 5)
        command.signal(SIGKILL)
        _ = command.wait()
        var frames = 0
        for _ in 0..<50 where frames == 0 {
            usleep(200_000)
            frames = Int(try probe(out)["nb_read_frames"] ?? "") ?? 0
        }
        #expect(frames >= 5, "\(frames) frames after SIGKILL")
    }

    @Test
    func missingFFmpegIsAClearError() throws {
        let result = try likeness(["record", "--model", fixtureModel, "--seconds", "1",
                                   "--output", temporaryFolder().appendingPathComponent("x.mp4").path],
                                  environment: ["PATH": "/nonexistent"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("ffmpeg was not found"))
        #expect(result.stderr.contains("apt-get install ffmpeg"))
    }

    /// Waits until the plain progress output shows at least `minimum` frames written.
    func waitForFrames(_ command: RunningCommand, minimum: Int) throws {
        for _ in 0..<300 {
            usleep(100_000)
            let text = (try? String(contentsOf: command.errURL, encoding: .utf8)) ?? ""
            let counts = text.split(separator: "\n").compactMap { line -> Int? in
                guard line.hasPrefix("record: "), let slash = line.firstIndex(of: "/") else { return nil }
                return Int(line[line.index(line.startIndex, offsetBy: 8)..<slash])
            }
            if (counts.max() ?? 0) >= minimum { return }
        }
    }
}

// MARK: - show

@Suite(.serialized) struct ShowCommandTests {
    /// Without DISPLAY, WAYLAND_DISPLAY or SDL_VIDEODRIVER, SDL would draw into an offscreen window
    /// nobody sees: `show` refuses at once and names the headless commands.
    @Test func showWithoutADisplayRefusesAndNamesFramesAndRecord() throws {
        var environment = ProcessInfo.processInfo.environment
        for key in ["DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER", "XAUTHORITY"] { environment.removeValue(forKey: key) }
        let started = Date()
        let result = try likeness(["show", "--model", fixtureModel, "--seconds", "30"], environment: environment)
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(started) < 20, "it must refuse, not run for the 30 seconds")
        // (libwayland may print its own line first, about XDG_RUNTIME_DIR, while SDL probes for a display.)
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("likeness: error: no display available"), "\(result.stderr)")
        #expect(result.stderr.contains("likeness frames") && result.stderr.contains("likeness record"), "\(result.stderr)")
        // Chosen on purpose, the invisible driver is allowed (tests, benchmarks).
        environment["SDL_VIDEODRIVER"] = "offscreen"
        let explicit = try likeness(["show", "--model", fixtureModel, "--windowed", "--seconds", "1"], environment: environment)
        #expect(explicit.status == 0, "\(explicit.stderr)")
    }

    @Test(.enabled(if: hasX11Display, "needs an X display (make test uses xvfb-run)"))
    func showOpensARealWindowThatPaintsPortraits() throws {
        let folder = temporaryFolder()
        let shot = folder.appendingPathComponent("show.png")
        var environment = ProcessInfo.processInfo.environment
        environment["SDL_VIDEODRIVER"] = "x11"
        let command = try RunningCommand(likenessBinary, ["show", "--model", fixtureModel, "--windowed", "--overlay",
                                                          "--seconds", "4", "--screenshot", shot.path], environment: environment)
        // A real screenshot of the X screen while the show runs.
        usleep(2_500_000)
        let grab = folder.appendingPathComponent("x11.png")
        let grabbed = try tool("ffmpeg", ["-v", "error", "-y", "-f", "x11grab", "-i", environment["DISPLAY"] ?? ":0",
                                          "-frames:v", "1", grab.path])
        let result = command.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("new frames/s"))
        let image = try PNGCodec.read(from: shot)
        #expect(image.width >= 100)
        #expect(distinctColours(image) > 50, "the window shows a picture")
        if grabbed.status == 0 {
            #expect(distinctColours(try PNGCodec.read(from: grab)) > 50, "the X screen shows a picture")
        }
        if let keep = ProcessInfo.processInfo.environment["LIKENESS_SCREENSHOTS"] {
            try? FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep).appendingPathComponent("show-window.png"))
            try? FileManager.default.copyItem(at: grab, to: URL(fileURLWithPath: keep).appendingPathComponent("show-x11grab.png"))
        }
    }

    @Test
    func showWithoutADisplayPointsToFramesAndRecord() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DISPLAY"] = nil
        environment["WAYLAND_DISPLAY"] = nil
        environment["SDL_VIDEODRIVER"] = "x11"
        let result = try likeness(["show", "--model", fixtureModel, "--seconds", "1"], environment: environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains("no display"))
        #expect(result.stderr.contains("likeness frames"))
    }

    func distinctColours(_ frame: Frame) -> Int {
        var seen = Set<UInt32>()
        for i in stride(from: 0, to: frame.pixels.count, by: 3) {
            seen.insert(UInt32(frame.pixels[i]) << 16 | UInt32(frame.pixels[i + 1]) << 8 | UInt32(frame.pixels[i + 2]))
        }
        return seen.count
    }
}

// MARK: - bench: no heap allocation per frame

@Suite struct BenchAllocationTests {
    /// Scripts/allocation-counter.c built into a shared library, or nil without a C compiler.
    static let counterLibrary: URL? = {
        let output = temporaryFolder().appendingPathComponent("allocation-counter.so")
        let source = packageRoot.appendingPathComponent("Scripts/allocation-counter.c").path
        for compiler in ["cc", "clang", "gcc"] {
            if let result = try? tool(compiler, ["-shared", "-fPIC", "-O2", "-o", output.path, source]), result.status == 0 {
                return output
            }
        }
        return nil
    }()

    @Test("the timed frames of likeness bench make no heap allocation",
          arguments: [(fixtureModel, "1", nil), (fixtureModel, "2", nil), (shippedModel, "2", nil), (shippedModel, "2", "baseline")] as [(String, String, String?)])
    func noAllocationsPerFrame(_ model: String, threads: String, kernels: String?) throws {
        let library = try #require(BenchAllocationTests.counterLibrary, "no C compiler (cc, clang or gcc) to build Scripts/allocation-counter.c")
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library.path
        if let kernels { environment["LIKENESS_KERNELS"] = kernels }
        let result = try likeness(["bench", "--model", model, "--threads", threads, "--iterations", "20", "--warmup", "3", "--no-sgemm", "--json"],
                                  environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(result.stdoutText.split(separator: "\n").last.map(String.init))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        // -1 would mean the counter was not found (not preloaded): that must fail too.
        #expect(object["allocations_in_timed_calls"] as? Int == 0, "\(json)")
        // The counter sees the process's allocations (loading the model makes thousands).
        #expect((object["allocations_in_process"] as? Int ?? 0) > 1000, "\(json)")
    }
}

/// The model Likeness ships.
let shippedModel = packageRoot.appendingPathComponent("Models/met-portraits-128/model.onnx").path

// MARK: - Unattended: show moments and the systemd unit

@Suite struct UnattendedCommandTests {
    func frames(_ extra: [String]) throws -> CommandResult {
        try likeness(["frames", "Exhibition/default.toml", "--model", fixtureModel, "--size", "32x32"] + extra)
    }

    /// `--at` puts frame 0 at a show moment: two processes agree, and one second later is frame fps of the
    /// earlier run — one timeline.
    @Test func framesAtAShowMomentAgreeAcrossProcesses() throws {
        let a = temporaryFolder(), b = temporaryFolder(), c = temporaryFolder()
        #expect(try frames(["--count", "31", "--fps", "30", "--at", "2026-12-24T18:00:00Z", "--output", a.path]).status == 0)
        #expect(try frames(["--count", "1", "--fps", "30", "--at", "2026-12-24T18:00:00Z", "--output", b.path]).status == 0)
        #expect(try frames(["--count", "1", "--fps", "30", "--at", "2026-12-24T19:00:01+01:00", "--output", c.path]).status == 0)
        let first = try Data(contentsOf: a.appendingPathComponent("frame-000000.png"))
        #expect(try Data(contentsOf: b.appendingPathComponent("frame-000000.png")) == first)
        #expect(try Data(contentsOf: c.appendingPathComponent("frame-000000.png")) == Data(contentsOf: a.appendingPathComponent("frame-000030.png")))
        let plain = temporaryFolder()
        #expect(try frames(["--count", "1", "--output", plain.path]).status == 0)
        #expect(try Data(contentsOf: plain.appendingPathComponent("frame-000000.png")) != first, "--at moves the timeline")
        let bad = try frames(["--count", "1", "--at", "Christmas", "--output", plain.path])
        #expect(bad.status != 0 && bad.stderr.hasPrefix("likeness: error: --at 'Christmas' is not an RFC 3339 timestamp"), "\(bad.stderr)")
    }

    @Test func serviceInstallWritesAUnitThatSystemdAccepts() throws {
        let folder = temporaryFolder()
        let exhibition = packageRoot.appendingPathComponent("Exhibition/default.toml").path
        let result = try likeness(["service", "install", exhibition, "--directory", folder.path, "--watchdog", "20"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("systemctl --user daemon-reload") && result.stdoutText.contains("systemctl --user enable --now likeness.service"))
        let unit = try String(contentsOf: folder.appendingPathComponent("likeness.service"), encoding: .utf8)
        for line in ["Type=notify", "NotifyAccess=main", "WatchdogSec=20", "Restart=always", "WantedBy=default.target",
                     "ExecStart=\(likenessBinary.resolvingSymlinksInPath().path) show \(exhibition)"] {
            #expect(unit.contains(line + "\n"), "the unit lacks \(line):\n\(unit)")
        }
        // An edited unit is not overwritten without --force.
        try (unit + "# edited\n").write(to: folder.appendingPathComponent("likeness.service"), atomically: true, encoding: .utf8)
        let again = try likeness(["service", "install", exhibition, "--directory", folder.path])
        #expect(again.status != 0 && again.stderr.contains("exists and differs"), "\(again.stderr)")
        #expect(try likeness(["service", "install", exhibition, "--directory", folder.path, "--force"]).status == 0)
        // A broken exhibition is refused now, not at boot.
        let broken = folder.appendingPathComponent("broken.toml")
        try "[window\n".write(to: broken, atomically: true, encoding: .utf8)
        #expect(try likeness(["service", "install", broken.path, "--directory", folder.path, "--name", "other"]).status != 0)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
            let verify = try tool("systemd-analyze", ["verify", folder.appendingPathComponent("likeness.service").path])
            #expect(verify.status == 0, "systemd-analyze verify: \(verify.stderr)")
        }
    }
}

// MARK: - The detail chain in frames

@Suite struct DetailChainCommandTests {
    /// `[model] detail` puts the shipped refiner after the shipped generator: frames are 256 px from the chain,
    /// the same on every run, and not the Lanczos picture; a chain in the wrong order is one clear error.
    @Test func framesRunTheDetailChain() throws {
        let folder = temporaryFolder()
        let generator = packageRoot.appendingPathComponent("Models/met-portraits-128/model.onnx").path
        let refiner = packageRoot.appendingPathComponent("Models/met-refiner-256/model.onnx").path
        let painter = packageRoot.appendingPathComponent("Models/met-painter-1024/model.onnx").path
        let chain = folder.appendingPathComponent("chain.toml"), plain = folder.appendingPathComponent("plain.toml")
        try "[model]\npath = \"\(generator)\"\ndetail = [\"\(refiner)\"]\n[output]\nwidth = 256\nheight = 256\n".write(to: chain, atomically: true, encoding: .utf8)
        try "[model]\npath = \"\(generator)\"\ndetail = []\n[output]\nwidth = 256\nheight = 256\n".write(to: plain, atomically: true, encoding: .utf8)
        var outputs: [Data] = []
        for (file, name) in [(chain, "a"), (chain, "b"), (plain, "c")] {
            let out = folder.appendingPathComponent(name)
            let result = try likeness(["frames", file.path, "--count", "1", "--output", out.path])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: out.appendingPathComponent("frame-000000.png")))
        }
        #expect(outputs[0] == outputs[1], "the chain is deterministic")
        #expect(outputs[0] != outputs[2], "the refiner changes the picture")
        let image = try PNGCodec.read(from: folder.appendingPathComponent("a/frame-000000.png"))
        #expect(image.width == 256 && image.height == 256)
        let wrong = folder.appendingPathComponent("wrong.toml")
        try "[model]\npath = \"\(generator)\"\ndetail = [\"\(painter)\"]\n".write(to: wrong, atomically: true, encoding: .utf8)
        let refused = try likeness(["frames", wrong.path, "--count", "1", "--output", folder.appendingPathComponent("w").path])
        #expect(refused.status != 0 && refused.stderr.contains("reads 256x256, but the stage before it paints 128x128"), "\(refused.stderr)")
    }

    /// `detail = "auto"` (here by leaving the key out) in `frames` is the whole chain found beside the
    /// generator, byte for byte the explicit list: offline output never depends on the machine.
    @Test func framesWithAutoRunTheWholeChain() throws {
        let root = temporaryFolder()
        let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/models")
        for (folder, file) in [("gen", "tiny-generator.onnx"), ("met-refiner-256", "tiny-stage-32.onnx"), ("met-painter-1024", "tiny-stage-64.onnx")] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(file), to: root.appendingPathComponent("\(folder)/model.onnx"))
        }
        let generator = root.appendingPathComponent("gen/model.onnx").path
        let stages = ["met-refiner-256", "met-painter-1024"].map { "\"\(root.appendingPathComponent("\($0)/model.onnx").path)\"" }
        var outputs: [Data] = []
        for (name, detail) in [("auto", ""), ("list", "detail = [\(stages.joined(separator: ", "))]\n"), ("none", "detail = []\n")] {
            let file = root.appendingPathComponent("\(name).toml")
            try "[model]\npath = \"\(generator)\"\n\(detail)[output]\nwidth = 128\nheight = 128\n".write(to: file, atomically: true, encoding: .utf8)
            let out = root.appendingPathComponent(name)
            let result = try likeness(["frames", file.path, "--count", "2", "--output", out.path])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: out.appendingPathComponent("frame-000001.png")))
        }
        #expect(outputs[0] == outputs[1], "auto in frames is the whole chain")
        #expect(outputs[0] != outputs[2], "and not the generator alone")
    }
}

// MARK: - Lineage

@Suite("Lineage: likeness lineage, --lineage sidecars, the wall label")
struct LineageCLITests {
    static let shipped = packageRoot.appendingPathComponent("Models/met-portraits-128/model.onnx").path
    static let hasLineage = FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("Models/met-portraits-128/lineage.json").path)

    /// An exhibition with the generator alone (fast in a debug build) and the label on.
    static func exhibition(in folder: URL, label: Bool = false) throws -> URL {
        let url = folder.appendingPathComponent("lineage.toml")
        try Data("""
        [model]
        detail = []
        [output]
        width = 128
        height = 128
        fps = 1
        [window]
        label = \(label)
        windowed_width = 1200
        windowed_height = 640

        """.utf8).write(to: url)
        return url
    }

    @Test(.enabled(if: hasLineage, "needs Models/met-portraits-128/lineage.json"))
    func lineageJSONListsEachPictureInOrder() throws {
        let folder = temporaryFolder()
        let frames = try likeness(["frames", try Self.exhibition(in: folder).path, "--model", Self.shipped, "--count", "12",
                                   "--output", folder.path, "--lineage"])
        #expect(frames.status == 0, "\(frames.stderr)")
        // The sidecar: each keyframe shown once, in order, with its works.
        let sidecar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("lineage.json"))) as? [[String: Any]])
        #expect(sidecar.map { $0["keyframe"] as? Int } == [0, 1])
        #expect(sidecar.map { $0["first_frame"] as? Int } == [0, 9])
        for entry in sidecar {
            let works = try #require(entry["works"] as? [[String: Any]])
            #expect(works.count == 3)
            for work in works {
                #expect(Set(work.keys) == ["met_object_id", "title", "artist", "date", "url", "similarity", "face_id"])
                #expect((work["url"] as? String)?.hasPrefix("https://www.metmuseum.org/art/collection/search/") == true)
            }
        }
        // likeness lineage --json: one entry per picture, in order; a training crop's own work is first.
        let pictures = [folder.appendingPathComponent("frame-000002.png").path, folder.appendingPathComponent("frame-000000.png").path]
        let result = try likeness(["lineage", "--json", "--model", Self.shipped] + pictures)
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]])
        #expect(entries.map { $0["picture"] as? String } == pictures)
        #expect(entries.allSatisfy { ($0["works"] as? [Any])?.count == 3 })
        // A broken picture: one line, a hint, non-zero.
        let bad = folder.appendingPathComponent("bad.png")
        try Data("not a png".utf8).write(to: bad)
        let failed = try likeness(["lineage", "--model", Self.shipped, bad.path])
        #expect(failed.status != 0 && failed.stderr.hasPrefix("likeness: error:"), "\(failed.stderr)")
    }

    @Test func aModelWithoutLineageSaysSo() throws {
        let info = try likeness(["info", fixtureModel])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdoutText.contains("lineage      none (the show credits the collection"), "\(info.stdoutText)")
        let json = try likeness(["info", fixtureModel, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        #expect(object["lineage"] is NSNull, "\(json.stdoutText)")
        let lookup = try likeness(["lineage", "--model", fixtureModel, packageRoot.appendingPathComponent("Models/met-portraits-128/samples.png").path])
        #expect(lookup.status != 0 && lookup.stderr.contains("carries no lineage") && lookup.stderr.contains("make lineage"), "\(lookup.stderr)")
        if Self.hasLineage {
            let shipped = try likeness(["info", Self.shipped])
            #expect(shipped.stdoutText.contains("lineage      1085 faces of 1042 works"), "\(shipped.stdoutText)")
        }
    }

    /// The label under X (make test: xvfb-run): drawn beside the portrait, its QR code decoded by zbarimg
    /// (Debian's zbar-tools) to the first work's page, the same work `frames --lineage` names for that sitter.
    @Test(.enabled(if: hasX11Display && hasLineage, "needs an X display (make test uses xvfb-run) and the shipped lineage"))
    func wallLabelCarriesAQRCodeOfTheFirstWork() throws {
        let folder = temporaryFolder()
        let toml = try Self.exhibition(in: folder, label: true)
        // A moment 2 s into sitter k of the timeline: the screenshot (≤ 5 s later) still shows sitter k.
        let at = "2025-01-01T00:00:02Z"
        let frames = try likeness(["frames", toml.path, "--model", Self.shipped, "--count", "1", "--at", at, "--output", folder.path, "--lineage"])
        #expect(frames.status == 0, "\(frames.stderr)")
        let sidecar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("lineage.json"))) as? [[String: Any]])
        let expected = try #require(((sidecar.first?["works"] as? [[String: Any]])?.first?["url"]) as? String)
        let shot = folder.appendingPathComponent("label.png")
        var environment = ProcessInfo.processInfo.environment
        environment["SDL_VIDEODRIVER"] = "x11"
        let show = try likeness(["show", toml.path, "--model", Self.shipped, "--windowed", "--at", at, "--seconds", "5", "--screenshot", shot.path],
                                environment: environment)
        #expect(show.status == 0, "\(show.stderr)")
        let decoded = try tool("zbarimg", ["-q", "--raw", shot.path])
        #expect(decoded.status == 0, "zbarimg found no QR code: \(decoded.stderr)")
        #expect(decoded.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }
}
