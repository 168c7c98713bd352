import ArgumentParser
import Foundation
import Logging
import Node
import Sandbox
import Settings

/// `continuum exec FILE...`: runs the files one after another in one slot of a local sandbox pool
/// configured as a node's (same isolation, same reuse and reset between tasks), with no database,
/// and prints one result JSON object per file, one per line.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run Python files in the sandbox, without a database, one JSON result per line.",
        discussion: """
            The files run one after another in one sandbox slot, as a node runs tasks. Sandbox settings \
            come from the environment (CONTAINER_MEMORY_MB, CONTAINER_CPU_LIMIT, CONTAINER_IMAGE, \
            CONTINUUM_SANDBOX_RUNTIME, ...). Exit status 0 only when every file completed.
            """)

    @Argument(help: "Python files to run.")
    var files: [String] = []

    @Option(help: "The payload as JSON text (default {}).")
    var payload: String?

    @Option(help: "A file holding the payload as JSON.")
    var payloadFile: String?

    @Option(help: "Wall-clock limit of each file, seconds (default CONTINUUM_TASK_TIMEOUT or 300).")
    var timeout: Double?

    @Option(help: "Memory limit of the sandbox, MiB (default CONTAINER_MEMORY_MB or 512).")
    var memoryMB: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = try commandLogger("continuum.exec", defaultLevel: .warning, environment: environment)
        let nodeID = "exec\(getpid())x\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        var config = try CommandFailure.wrap { () throws(ConfigurationError) in
            try SandboxConfiguration.fromEnvironment(environment, nodeID: nodeID)
        }
        var taskTimeout = try CommandFailure.wrap { () throws(ConfigurationError) in try NodeConfiguration.taskTimeout(from: environment) }
        if let memoryMB { config.memoryMB = memoryMB }
        if let timeout {
            guard timeout > 0, timeout.isFinite else { throw CommandFailure(description: "--timeout must be a positive number of seconds") }
            taskTimeout = .milliseconds(Int64(timeout * 1000))
        }
        config.slots = 1
        guard !files.isEmpty else { throw CommandFailure(description: "give at least one Python file to run") }

        let payloadJSON = try await readPayload()
        var sources: [String] = []
        for path in files { sources.append(try await CommandFiles.text(of: path, what: "the script")) }

        let pool = try await CommandFailure.wrap { () async throws in try await SandboxPool(configuration: config, logger: logger) }
        try await CommandFailure.wrap { try await pool.start() }
        var allCompleted = true
        do {
            for (index, (path, code)) in zip(files, sources).enumerated() {
                let task = TaskSpec(id: "exec-\(index + 1)", code: code, payloadJSON: payloadJSON, timeout: taskTimeout)
                let result = try await pool.run(task)
                allCompleted = allCompleted && result.status == .completed
                FileHandle.standardOutput.write(Data((try ExecLine(file: path, result: result).json() + "\n").utf8))
            }
        } catch {
            await pool.shutdown()
            throw CommandFailure(description: "\(error)")
        }
        await pool.shutdown()
        if !allCompleted { throw ExitCode(1) }
    }

    private func readPayload() async throws -> String {
        let text: String
        let source: String
        switch (payload, payloadFile) {
        case (.some, .some):
            throw CommandFailure(description: "give either --payload or --payload-file, not both")
        case (let inline?, nil):
            (text, source) = (inline, "--payload")
        case (nil, let path?):
            (text, source) = (try await CommandFiles.text(of: path, what: "the payload file"), "the payload file \(path)")
        case (nil, nil):
            return "{}"
        }
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
        } catch {
            throw CommandFailure(description: "\(source) is not valid JSON")
        }
        return text
    }
}

/// One line of `continuum exec` output: the task fields of CONVENTIONS.md that exist without a database.
struct ExecLine: Encodable {
    var file: String
    var result: ExecutionResult

    enum Keys: String, CodingKey {
        case file, status, exitCode = "exit_code", output, stderr, error, lastError = "last_error"
        case outputTruncated = "output_truncated", durationMs = "duration_ms"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(file, forKey: .file)
        try c.encode(result.status.rawValue, forKey: .status)
        try c.encode(result.exitCode, forKey: .exitCode)
        try c.encode(result.stdout, forKey: .output)
        try c.encode(result.stderr, forKey: .stderr)
        try c.encode(result.errorKind?.rawValue, forKey: .error)
        try c.encode(result.detail, forKey: .lastError)
        try c.encode(result.outputTruncated, forKey: .outputTruncated)
        let ms = Double(result.duration.components.seconds) * 1000 + Double(result.duration.components.attoseconds) / 1e15
        try c.encode((ms * 10).rounded() / 10, forKey: .durationMs)
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
