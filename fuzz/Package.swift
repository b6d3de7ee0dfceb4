// swift-tools-version: 6.1
import PackageDescription
import struct Foundation.URL

// libFuzzer targets for every decoder. Build recipe (other flag sets silently build a
// fuzzer without coverage): see README.md here.
//
// The root package is a path dependency; its identity is its folder's name, which
// differs between checkouts, so it is read from this file's location.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "EdgeRaftFuzz",
    dependencies: [.package(path: root.path)],
    targets: [
        .executableTarget(name: "FuzzWire", dependencies: [.product(name: "Wire", package: root.lastPathComponent)]),
        .executableTarget(name: "FuzzBatch", dependencies: [.product(name: "Wire", package: root.lastPathComponent)]),
        .executableTarget(name: "FuzzTransport", dependencies: [
            .product(name: "Wire", package: root.lastPathComponent),
            .product(name: "Transport", package: root.lastPathComponent),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
