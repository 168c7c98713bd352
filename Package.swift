// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Continuum",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "continuum", targets: ["continuum"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // Thin system-library wrappers: one Swift file in the owning module touches their pointers.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        // glibc's GNU-only calls, wrapped in C under _GNU_SOURCE, so a missing one fails at link time.
        .target(name: "CSandboxShim"),

        // Typed reads of the environment, shared by every module that is configured by it.
        .target(name: "Settings"),
        // The task's vocabulary (TaskState, FailureKind): one type each for the stored text, the
        // sandbox's verdict, the node, the CLI and the JSON.
        .target(name: "TaskModel"),

        .target(
            name: "Store",
            dependencies: [
                "CLibPQ",
                "Settings",
                "TaskModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("Schema/init.sql")]
        ),
        .target(
            name: "Sandbox",
            dependencies: [
                "Settings",
                "CSandboxShim",
                "TaskModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Runner/runner.py")]
        ),
        .target(
            name: "Gossip",
            dependencies: [
                "CLibUV",
                "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The typed events a node logs about each attempt, which the chaos suite reads back.
        .target(name: "TaskEvents"),
        .target(
            name: "Node",
            dependencies: [
                "Store",
                "TaskModel",
                "TaskEvents",
                "Sandbox",
                "Gossip",
                "Settings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "continuum",
            dependencies: [
                "Store",
                "TaskModel",
                "Sandbox",
                "Node",
                "Settings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "continuum-bench",
            dependencies: [
                "Store",
                "Sandbox",
                "Settings",
                "TaskModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Bench"
        ),

        .target(
            name: "TestSupport",
            dependencies: ["Store", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TaskModel", "TestSupport"]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TaskModel", "Settings"]),
        .testTarget(name: "NodeTests", dependencies: [
            "Node", "Store", "TaskModel", "Sandbox", "Settings", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GossipTests", dependencies: ["Gossip", "Settings"]),
        // The chaos suite's pure part: fault plan, task mix, log reading, invariants, report.
        .target(name: "ChaosKit", dependencies: ["TaskModel", "TaskEvents"], path: "Tests/ChaosKit"),
        .testTarget(name: "ChaosKitTests", dependencies: ["ChaosKit", "TaskModel"]),
        .testTarget(name: "Cluster", dependencies: ["Store", "TaskModel", "TestSupport", "ChaosKit"]),
    ],
    swiftLanguageModes: [.v6]
)
