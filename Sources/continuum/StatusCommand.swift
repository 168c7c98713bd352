import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `continuum status`: prints a node's `/status`, or with `--global` the cluster's.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print a node's status, or with --global the cluster's.")

    @Flag(help: "The cluster's status (/global-status) instead of the node's.") var global = false
    @Option(help: "The node's base URL (default: http://127.0.0.1:$API_PORT).") var url: String?

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["API_PORT"] ?? "8080"
        let base = url ?? "http://127.0.0.1:\(port)"
        guard let endpoint = URL(string: base + (global ? "/global-status" : "/status")) else {
            throw CommandFailure(description: "--url \(base) is not a URL")
        }
        let (data, response) = try await CommandFailure.wrap { () async throws in try await URLSession.shared.data(from: endpoint) }
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw CommandFailure(description: "\(endpoint) answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data, as: UTF8.self))")
        }
        print(String(decoding: data, as: UTF8.self))
    }
}
