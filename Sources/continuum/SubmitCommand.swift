import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Settings
import Store
import TaskModel

/// `continuum submit`: inserts a task and prints `{"id": N}`; with `--wait`, the finished task.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Insert a task (code plus JSON payload) into the queue.",
        discussion: """
            With --wait, waits for it and prints the finished task as JSON; exits 0 only when it completed. \
            Without --url the task goes straight into the database (DATABASE_URL or DB_*); with --url it goes \
            through a node's HTTP API (bearer token from CONTINUUM_API_TOKEN), which wakes the owner of its \
            priority at once even where notifications are off.
            """)

    @Option(help: "The Python script to run.") var file: String?
    @Option(help: "The Python code to run, given inline.") var code: String?
    @Option(help: "The payload, a JSON value.") var payload: String?
    @Option(help: "A file holding the payload JSON.") var payloadFile: String?
    @Option(help: "Lower numbers run first.") var priority = 0
    @Option(help: "A name for the task.") var name = ""
    @Option(help: "The task's wall-clock limit in seconds (default: the node's CONTINUUM_TASK_TIMEOUT).") var timeout: Double?
    @Option(help: "Attempts allowed for engine trouble (sandbox failures).") var maxAttempts = 3
    @Flag(help: "Wait for the task to finish and print it.") var wait = false
    @Option(help: "Submit through this node's HTTP API (e.g. http://127.0.0.1:8080) instead of the database.") var url: String?

    func validate() throws {
        guard (file == nil) != (code == nil) else { throw ValidationError("give exactly one of --file and --code") }
        guard payload == nil || payloadFile == nil else { throw ValidationError("give at most one of --payload and --payload-file") }
    }

    func run() async throws {
        let source = if let code { code } else { try await CommandFiles.text(of: file!, what: "the script") }
        let payloadJSON = if let payload { payload } else if let payloadFile {
            try await CommandFiles.text(of: payloadFile, what: "the payload file")
        } else { "{}" }
        let task = NewTask(
            name: name.isEmpty ? (file.map { ($0 as NSString).lastPathComponent } ?? "") : name,
            code: source, payloadJSON: payloadJSON, priority: priority, maxAttempts: maxAttempts, timeoutSeconds: timeout)
        let environment = ProcessInfo.processInfo.environment
        let logger = try commandLogger("continuum.submit", defaultLevel: .error, environment: environment)
        if let url {
            let token = try CommandFailure.wrap { () throws(ConfigurationError) in try EnvironmentReader(environment).secret(.apiToken) }
            try await NodeAPIClient(base: url, token: token).submit(task, wait: wait)
            return
        }
        let database = try CommandFailure.wrap { () throws(ConfigurationError) in try DatabaseConfiguration.fromEnvironment(environment) }
        let store = TaskStore(configuration: database, logger: logger)
        defer { store.shutdown() }
        let id = try await CommandFailure.wrap { () async throws(StoreError) in try await store.submit(task) }
        guard wait else {
            print("{\"id\": \(id)}")
            return
        }
        guard let finished = try await CommandFailure.wrap({ () async throws(StoreError) in try await Self.waitForEnd(of: id, in: store) }) else {
            throw CancellationError()
        }
        print(String(decoding: TaskJSON.encode(finished), as: UTF8.self))
        if finished.status != .completed { throw ExitCode(1) }
    }

    /// Polls the task until its state is final (`TaskState.isFinal`), quickly at first, then every half second;
    /// nil when the command is cancelled first.
    static func waitForEnd(of id: Int64, in store: TaskStore) async throws(StoreError) -> TaskRecord? {
        var polling = Backoff.waitingForATask
        while true {
            guard let task = try await store.task(id: id) else { throw .notFound(taskID: id) }
            if task.status.isFinal { return task }
            do { try await polling.pause() } catch { return nil }
        }
    }
}
