// swift-tools-version:6.0
import PackageDescription

// MARK: - Vector kernels

/// The GEMM micro-kernels, compiled once per x86 vector ISA and chosen at run time by what the CPU
/// has (LikenessKernels.InstructionSet); always optimised, also in debug builds, so tests run them
/// at speed. Other architectures use OpenBLAS and the portable SIMD code alone. (An incremental
/// debug build may not recompile these modules when only an `@inlinable` body in LikenessKernels
/// changed: touch their sources, or build from clean, before trusting a test run.)
#if arch(x86_64)
let isaTargets: [Target] = [
    .target(
        name: "LikenessKernelsAVX2",
        dependencies: ["LikenessKernels"],
        swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]
    ),
    .target(
        name: "LikenessKernelsAVX512",
        dependencies: ["LikenessKernels"],
        swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"])]
    ),
]
#else
let isaTargets: [Target] = []
#endif
let isaDependencies: [Target.Dependency] = isaTargets.map { .target(name: $0.name) }

// MARK: - Targets

let package = Package(
    name: "Likeness",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "likeness", targets: ["likeness"]),
        .library(name: "LikenessEngine", targets: ["LikenessEngine"]),
        .library(name: "LikenessPath", targets: ["LikenessPath"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        // Ratings (SQLite, WAL) and the curation server; FlyingFox rather than Hummingbird: see the README, "Teach it your taste".
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // MARK: System libraries (Debian packages, found through pkg-config)
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CSDL2",
            pkgConfig: "sdl2",
            providers: [.apt(["libsdl2-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        // QR codes on the wall label (the first work's page at The Met).
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // zlib for the PNG writer's deflate (libpng-dev already depends on zlib1g-dev).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // MARK: Libraries
        .target(
            name: "LikenessKernels",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(
            name: "LikenessEngine",
            dependencies: [
                "CBLAS", "LikenessKernels",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ] + isaDependencies,
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(name: "LikenessPath"),
        // A TOML 1.0 parser with source positions that cannot trap on any input (exhibition files).
        .target(name: "LikenessTOML"),
        .target(name: "LikenessMedia", dependencies: ["CPNG", "CZlib"]),
        .target(name: "LikenessDisplay", dependencies: ["CSDL2", "CQRencode", "LikenessMedia"]),
        // Exhibitions, the stage pipeline, the frame producer, show commands and state: no SDL.
        .target(name: "LikenessShow", dependencies: ["LikenessEngine", "LikenessPath", "LikenessMedia", "LikenessTOML"]),
        // Taste: the ratings database, the taste model and the keyframe chooser that steers a show with it.
        .target(
            name: "LikenessTaste",
            dependencies: [
                "LikenessShow", "LikenessPath", "LikenessMedia",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The one HTTP server module: FlyingFox underneath, token auth, limits, JSON errors, embedded pages.
        .target(name: "LikenessServer", dependencies: [.product(name: "FlyingFox", package: "FlyingFox")]),
        // The curation web app: its routes and the page's assets, embedded in the binary.
        .target(name: "LikenessCurate", dependencies: ["LikenessTaste", "LikenessShow", "LikenessMedia", "LikenessPath", "LikenessServer"]),
        // Remote control of a live show: the HTTP API, the phone page, Prometheus metrics, OSC in and out.
        .target(name: "LikenessRemote", dependencies: ["LikenessServer", "LikenessShow", "LikenessMedia"]),
        // The deterministic mutation fuzzer and its two targets: the exhibition loader and the ONNX loader.
        .target(name: "LikenessFuzz", dependencies: ["LikenessShow", "LikenessEngine", "LikenessRemote", "LikenessServer"]),
        // Lineage: which training paintings a face resembles (index, extractor, works table, thumbnail atlas).
        .target(name: "LikenessLineage", dependencies: ["LikenessEngine", "LikenessKernels", "LikenessMedia"]),
        // The kiosk window loop: the only show code that links SDL.
        .target(name: "LikenessKiosk", dependencies: ["LikenessDisplay", "LikenessShow", "LikenessMedia", "LikenessPath"]),

        // MARK: Command-line tool
        .executableTarget(
            name: "likeness",
            dependencies: [
                "LikenessEngine", "LikenessPath", "LikenessMedia", "LikenessDisplay", "LikenessShow", "LikenessKiosk",
                "LikenessTaste", "LikenessCurate", "LikenessLineage", "LikenessRemote", "LikenessServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make fuzz`: the fuzzer for much longer than the bounded pass in `swift test`.
        .executableTarget(
            name: "likeness-fuzz",
            dependencies: ["LikenessFuzz", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ] + isaTargets + [
        // MARK: Tests
        .testTarget(name: "LikenessEngineTests", dependencies: ["LikenessEngine", "LikenessKernels"] + isaDependencies),
        .testTarget(name: "LikenessPathTests", dependencies: ["LikenessPath"]),
        .testTarget(name: "LikenessTOMLTests", dependencies: ["LikenessTOML"]),
        .testTarget(name: "LikenessMediaTests", dependencies: ["LikenessMedia"]),
        .testTarget(name: "LikenessDisplayTests", dependencies: ["LikenessDisplay", "LikenessMedia", "LikenessTestSupport"]),
        // Fakes (generator, path, sink) shared by the show and kiosk tests.
        .target(name: "LikenessTestSupport", dependencies: ["LikenessShow", "LikenessMedia"], path: "Tests/LikenessTestSupport"),
        .testTarget(name: "LikenessShowTests", dependencies: ["LikenessShow", "LikenessEngine", "LikenessPath", "LikenessMedia", "LikenessTestSupport", "LikenessTOML"], exclude: ["BadExhibitions"]),
        .testTarget(name: "LikenessKioskTests", dependencies: ["LikenessKiosk", "LikenessShow", "LikenessDisplay", "LikenessMedia", "LikenessPath", "LikenessTestSupport"]),
        .testTarget(name: "LikenessTasteTests", dependencies: ["LikenessTaste", "LikenessShow", "LikenessPath", "LikenessMedia"]),
        .testTarget(name: "LikenessCurateTests", dependencies: ["LikenessCurate", "LikenessTaste", "LikenessShow", "LikenessMedia", "LikenessServer"]),
        .testTarget(name: "LikenessRemoteTests", dependencies: ["LikenessRemote", "LikenessServer", "LikenessShow", "LikenessMedia", "LikenessTestSupport"]),
        .testTarget(name: "LikenessCLITests", dependencies: ["LikenessEngine", "LikenessMedia", "LikenessTaste"]),
        .testTarget(name: "LikenessFuzzTests", dependencies: ["LikenessFuzz"]),
        .testTarget(name: "LikenessLineageTests", dependencies: ["LikenessLineage", "LikenessEngine", "LikenessMedia", "LikenessPath"]),
    ],
    swiftLanguageModes: [.v6]
)
