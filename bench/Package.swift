// swift-tools-version: 6.1
import PackageDescription
import struct Foundation.URL

// Microbenchmarks (ordo-one/benchmark). Run from this folder:
//   swift package --disable-sandbox benchmark
// The root package is a path dependency; its identity is its folder's name, which
// differs between checkouts, so it is read from this file's location.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "EdgeRaftBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: root.path),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // Only for the comparison with swift-crypto's public ChaChaPoly API.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .target(name: "BenchSupport", dependencies: [.product(name: "Benchmark", package: "benchmark")]),
        .executableTarget(
            name: "WireCodec",
            dependencies: [
                "BenchSupport",
                .product(name: "Wire", package: root.lastPathComponent),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/WireCodec",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TransportPath",
            dependencies: [
                "BenchSupport",
                .product(name: "Wire", package: root.lastPathComponent),
                .product(name: "Transport", package: root.lastPathComponent),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TransportPath",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
