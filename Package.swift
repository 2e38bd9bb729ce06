// swift-tools-version:6.0
import PackageDescription

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
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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

        // MARK: Libraries
        .target(
            name: "LikenessEngine",
            dependencies: [
                "CBLAS",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(name: "LikenessPath"),
        .target(name: "LikenessMedia", dependencies: ["CPNG"]),
        .target(name: "LikenessDisplay", dependencies: ["CSDL2", "LikenessMedia"]),
        .target(
            name: "LikenessShow",
            dependencies: [
                "LikenessEngine", "LikenessPath", "LikenessMedia", "LikenessDisplay",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),

        // MARK: Command-line tool
        .executableTarget(
            name: "likeness",
            dependencies: [
                "LikenessEngine", "LikenessPath", "LikenessMedia", "LikenessDisplay", "LikenessShow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "LikenessEngineTests", dependencies: ["LikenessEngine"]),
        .testTarget(name: "LikenessPathTests", dependencies: ["LikenessPath"]),
        .testTarget(name: "LikenessMediaTests", dependencies: ["LikenessMedia", "LikenessDisplay"]),
        .testTarget(name: "LikenessShowTests", dependencies: ["LikenessShow"], exclude: ["BadExhibitions"]),
        .testTarget(name: "LikenessCLITests", dependencies: ["LikenessEngine", "LikenessMedia"]),
    ],
    swiftLanguageModes: [.v6]
)
