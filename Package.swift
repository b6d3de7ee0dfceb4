// swift-tools-version: 6.1
import PackageDescription

// Module graph (one way only): Wire ← Transport, Wire ← Raft, all ← Node ← edgeraft.
let package = Package(
    name: "EdgeRaft",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Transport", targets: ["Transport"]),
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Node", targets: ["Node"]),
        .executable(name: "edgeraft", targets: ["edgeraft"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "CSocketShims"),
        .target(name: "CThreadShims"),
        .target(name: "Wire", dependencies: ["CZlib"]),
        .target(name: "Transport", dependencies: ["Wire", "CSocketShims", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Raft", dependencies: ["Wire"]),
        .target(name: "Node", dependencies: ["Wire", "Transport", "Raft", "CThreadShims"]),
        .executableTarget(
            name: "edgeraft",
            dependencies: ["Node", "Raft", "Transport", "Wire", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire"], exclude: ["Vectors"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"], exclude: ["Vectors"]),
        .testTarget(name: "RaftTests", dependencies: ["Raft"]),
        .testTarget(name: "NodeTests", dependencies: ["Node"]),
    ],
    swiftLanguageModes: [.v6]
)
