// swift-tools-version: 6.1
import PackageDescription

// Module graph (one way only): NetworkModel and Wire ← Transport, NetworkModel and Wire ← Raft,
// Raft ← RaftSimulation, Wire, Transport, Raft and ClientAPI ← Node ← EdgeRaftClient;
// tools (bench, sim, wire) in EdgeRaftTools; all ← edgeraft.
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
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already in the graph through Hummingbird and AsyncHTTPClient; named for the client API's own imports.
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
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
        .target(name: "Transport", dependencies: [
            "Wire", "NetworkModel", "CSocketShims", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        .target(name: "Raft", dependencies: ["Wire", "NetworkModel"]),
        .target(name: "RaftSimulation", dependencies: ["Raft", "Wire", "NetworkModel"]),
        // The client API's JSON shapes, shared by the gateway's server and the CLI's client.
        .target(name: "ClientAPI"),
        .target(
            name: "Node",
            dependencies: [
                "Wire", "Transport", "Raft", "ClientAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The CLI's side of the client API (deploy, services, status) and the local cluster
        // it can start (cluster up/down, demo).
        .target(
            name: "EdgeRaftClient",
            dependencies: [
                "ClientAPI", "Node", "Transport", "Wire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .target(
            name: "EdgeRaftTools",
            dependencies: ["Wire", "NetworkModel", "Transport", "Raft", "RaftSimulation", "Node", "ClientAPI", "CThreadShims",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "edgeraft",
            dependencies: [
                "EdgeRaftTools", "EdgeRaftClient", "Node", "ClientAPI", "RaftSimulation", "NetworkModel", "Transport", "Wire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire", "NetworkModel"], exclude: ["Vectors"]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "NetworkModel"], exclude: ["Vectors"]),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "RaftSimulation", "NetworkModel"]),
        .testTarget(name: "RaftSimulationTests", dependencies: ["RaftSimulation", "Raft", "NetworkModel"]),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "ClientAPI", "Wire", "NetworkModel", "Raft", "Transport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
            ],
            // A self-signed certificate and key for the client API's TLS test only.
            exclude: ["Fixtures"]),
        .testTarget(name: "EdgeRaftToolsTests", dependencies: ["EdgeRaftTools", "NetworkModel"]),
        // The CLI's client and local cluster, and end-to-end tests of real `edgeraft` processes
        // (the binary next to the test bundle: `swift test` builds it with everything else).
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "EdgeRaftClient", "ClientAPI", "Node", "Wire", "Transport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
