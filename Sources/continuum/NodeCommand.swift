import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Node
import Prometheus
import Sandbox
import ServiceLifecycle
import Settings
import Store

/// `continuum node`: one peer, until SIGTERM/SIGINT; then it drains and exits 0.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one peer: claim tasks, run them in sandboxes, serve the HTTP API.",
        discussion: """
            Configured by the environment (DATABASE_URL or DB_*, CONTINUUM_*, API_PORT, POLLING_INTERVAL, \
            MIN_PRIORITY, MAX_PRIORITY, CONTAINER_*); the options below override it. SIGTERM or SIGINT stops \
            claiming, lets running tasks finish within CONTINUUM_DRAIN_GRACE, hands the rest back and exits 0.
            """)

    @Option(help: "This peer's id (CONTINUUM_NODE_ID).") var nodeID: String?
    @Option(help: "Sandbox slots (CONTINUUM_SLOTS).") var slots: Int?
    @Option(help: "HTTP API port (API_PORT).") var apiPort: Int?
    @Flag(help: "Apply the schema before starting (as `continuum migrate`).") var migrate = false

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if let nodeID { environment[EnvironmentVariable.nodeID.name] = nodeID }
        if let slots { environment[EnvironmentVariable.slots.name] = String(slots) }
        if let apiPort { environment[EnvironmentVariable.apiPort.name] = String(apiPort) }
        let configuration = try CommandFailure.wrap { () throws(ConfigurationError) in try NodeConfiguration.fromEnvironment(environment) }
        let logger = try commandLogger("continuum.node", defaultLevel: .info, environment: environment)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let store = TaskStore(configuration: configuration.database, logger: logger)
        let pool = try await CommandFailure.wrap { () async throws in try await SandboxPool(configuration: configuration.sandbox, logger: logger) }
        let node = Node(configuration: configuration, queue: store, runner: pool, logger: logger)
        if migrate {
            try await CommandFailure.wrap { () async throws in try await store.migrate() }
        }
        var httpLogger = logger
        httpLogger.logLevel = .warning
        let app = Application(
            router: APIServer.router(node: node, store: store, registry: registry),
            configuration: .init(address: .hostname(configuration.apiHost, port: configuration.apiPort), serverName: "continuum"),
            services: [node],
            onServerRunning: { channel in
                logger.info("HTTP API listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: httpLogger)
        try await app.runService()
    }
}
