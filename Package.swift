// swift-tools-version: 6.1
import PackageDescription

// Module graph (one way only): NetworkModel and Wire ← Transport, NetworkModel and Wire ← Raft,
// Raft ← RaftSimulation, Wire, Transport and Raft ← Node; all ← EdgeRaftTools ← edgeraft.
// Transport and Raft never import each other; NetworkModel imports nothing.
let package = Package(
    name: "EdgeRaft",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "NetworkModel", targets: ["NetworkModel"]),
        .library(name: "Transport", targets: ["Transport"]),
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "RaftSimulation", targets: ["RaftSimulation"]),
        .library(name: "Node", targets: ["Node"]),
        .library(name: "EdgeRaftTools", targets: ["EdgeRaftTools"]),
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
        .target(name: "NetworkModel"),
        .target(name: "Transport", dependencies: ["Wire", "NetworkModel", "CSocketShims", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Raft", dependencies: ["Wire", "NetworkModel"]),
        .target(name: "RaftSimulation", dependencies: ["Raft", "Wire", "NetworkModel"]),
        .target(name: "Node", dependencies: ["Wire", "Transport", "Raft"]),
        .target(
            name: "EdgeRaftTools",
            dependencies: ["Wire", "NetworkModel", "Transport", "Raft", "RaftSimulation", "CThreadShims"]
        ),
        .executableTarget(
            name: "edgeraft",
            dependencies: [
                "EdgeRaftTools", "RaftSimulation", "NetworkModel", "Transport", "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire", "NetworkModel"], exclude: ["Vectors"]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "NetworkModel"], exclude: ["Vectors"]),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "RaftSimulation", "NetworkModel"]),
        .testTarget(name: "RaftSimulationTests", dependencies: ["RaftSimulation", "Raft", "NetworkModel"]),
        .testTarget(name: "NodeTests", dependencies: ["Node", "Wire", "NetworkModel"]),
        .testTarget(name: "EdgeRaftToolsTests", dependencies: ["EdgeRaftTools", "NetworkModel"]),
    ],
    swiftLanguageModes: [.v6]
)
