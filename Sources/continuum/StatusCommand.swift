import ArgumentParser
import Foundation
import Node
import Settings

/// `continuum status`: prints a node's `/status`, or with `--global` the cluster's.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print a node's status, or with --global the cluster's.")

    @Flag(help: "The cluster's status (/global-status) instead of the node's.") var global = false
    @Option(help: "The node's base URL (default: http://127.0.0.1:$API_PORT).") var url: String?

    func run() async throws {
        let port = try CommandFailure.wrap { () throws(ConfigurationError) in
            try NodeConfiguration.apiPort(from: ProcessInfo.processInfo.environment)
        }
        let base = url ?? "http://127.0.0.1:\(port)"
        let path = global ? "/global-status" : "/status"
        let (data, status) = try await NodeAPIClient(base: base).request(path, body: nil)
        guard status == 200 else {
            throw CommandFailure(description: "\(base)\(path) answered \(status): \(NodeAPIClient.message(data))")
        }
        print(String(decoding: data, as: UTF8.self))
    }
}
