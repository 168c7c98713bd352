import Foundation
import Store
import TaskModel
import Testing
import TestSupport

/// What an operator and a client see at the edges of a real node process: bad configuration
/// refused at start, malformed requests refused without storing anything, the operator token.
@Suite("continuum node: configuration and HTTP API", .serialized)
struct NodeInterfaceTests {
    @Test("bad configuration stops the node at once with a message naming the variable and a non-zero exit",
          .timeLimit(.minutes(2)),
          arguments: [
              (["CONTINUUM_SLOTS": "0"], ["CONTINUUM_SLOTS"]),
              (["CONTINUUM_SLOTS": "many"], ["CONTINUUM_SLOTS"]),
              (["API_PORT": "abc"], ["API_PORT"]),
              (["API_PORT": "70000"], ["API_PORT"]),
              (["MIN_PRIORITY": "9", "MAX_PRIORITY": "1"], ["MIN_PRIORITY", "MAX_PRIORITY"]),
              (["POLLING_INTERVAL": "-1"], ["POLLING_INTERVAL"]),
              (["CONTINUUM_LEASE_TTL": "0"], ["CONTINUUM_LEASE_TTL"]),
              (["CONTINUUM_NOTIFY": "sometimes"], ["CONTINUUM_NOTIFY"]),
              (["CONTINUUM_DRAIN_GRACE": "soon"], ["CONTINUUM_DRAIN_GRACE"]),
              (["CONTINUUM_TASK_TIMEOUT": "0"], ["CONTINUUM_TASK_TIMEOUT"]),
              (["CONTAINER_MEMORY_MB": "1"], ["CONTAINER_MEMORY_MB"]),
              (["DB_PORT": "54x", "DATABASE_URL": ""], ["DB_PORT"]),
              (["CONTINUUM_LOG_LEVEL": "loud"], ["CONTINUUM_LOG_LEVEL", "loud", "critical"]),
          ])
    func badConfiguration(settings: [String: String], names: [String]) async throws {
        let node = try NodeProcess.launch(databaseURL: try await TestDatabase.serverURL(), settings)
        let status = await node.waitForExit(within: .seconds(10))
        if status == nil { node.kill() }
        let output = node.log.split(separator: "\n").dropFirst().joined(separator: "\n")  // after our own header line
        #expect(status != nil && status != 0, "exit status \(String(describing: status)) for \(settings)\n\(output)")
        for name in names {
            #expect(output.contains(name), "the message should name \(name): \(output)")
        }
        #expect(!output.isEmpty && output.split(separator: "\n").count <= 2, "one clear message, not a dump: \(output)")
    }

    @Test("every command that logs refuses a malformed CONTINUUM_LOG_LEVEL with one sentence naming it, and stores nothing",
          arguments: [["migrate"], ["submit", "--code", "print(1)"], ["exec", "/nonexistent/job.py"]])
    func badLogLevel(arguments: [String]) async throws {
        let database = try await TestDatabase.make()
        let (status, output) = await Shell.runStatus(
            Binary.path, arguments, environment: Binary.environment(database: database, ["CONTINUUM_LOG_LEVEL": "verbose"]))
        #expect(status != 0, "\(arguments) exited 0: \(output)")
        #expect(output.contains(#"CONTINUUM_LOG_LEVEL="verbose": expected one of "trace""#), "\(arguments): \(output)")
        #expect(output.split(separator: "\n").count <= 2, "one clear message, not a dump: \(output)")
        #expect(try await Queue(database).integer("SELECT count(*) FROM tasks") == 0)
    }

    @Test("submit and exec refuse a missing or non-UTF-8 script or payload file with a message naming it, and store nothing",
          arguments: [
              (["submit", "--file", "/nonexistent/job.py"], "cannot read the script /nonexistent/job.py"),
              (["submit", "--code", "print(1)", "--payload-file", "/nonexistent/p.json"], "cannot read the payload file /nonexistent/p.json"),
              (["submit", "--file", "BAD_UTF8"], "is not UTF-8 text"),
              (["exec", "/nonexistent/job.py"], "cannot read the script /nonexistent/job.py"),
              (["exec", "BAD_UTF8"], "is not UTF-8 text"),
          ])
    func unreadableInputs(arguments: [String], message: String) async throws {
        let database = try await TestDatabase.make()
        let bad = NSTemporaryDirectory() + "continuum-bad-\(UUID().uuidString).py"
        try Data([0x70, 0x72, 0x69, 0x6E, 0x74, 0x28, 0xFF, 0x29, 0x0A]).write(to: URL(fileURLWithPath: bad))
        defer { unlink(bad) }
        let (status, output) = await Shell.runStatus(
            Binary.path, arguments.map { $0 == "BAD_UTF8" ? bad : $0 }, environment: Binary.environment(database: database))
        #expect(status != 0, "\(arguments) exited 0: \(output)")
        #expect(output.contains(message), "\(arguments): \(output)")
        #expect(try await Queue(database).integer("SELECT count(*) FROM tasks") == 0)
    }

    @Test("an API port already in use stops the node with a non-zero exit and a message naming the port",
          .timeLimit(.minutes(1)))
    func portInUse() async throws {
        let database = try await TestDatabase.make()
        let first = try await NodeProcess.start(databaseURL: database.url)
        let second = try NodeProcess.launch(databaseURL: database.url, ["API_PORT": String(first.port)])
        let status = await second.waitForExit(within: .seconds(20))
        if status == nil { second.kill() }
        #expect(status != nil && status != 0, "exit status \(String(describing: status))\n\(second.logTail())")
        #expect(second.log.contains(String(first.port)), "\(second.logTail())")
        #expect(try await first.get("/healthz").status == 200)
        #expect(await first.stop() == 0, "\(first.logTail())")
    }

    @Test("a malformed POST /tasks gets a 400 whose error names the problem, and nothing is stored",
          .timeLimit(.minutes(2)))
    func malformedSubmissions() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let node = try await NodeProcess.start(databaseURL: database.url)
        let cases: [(body: String, mentions: String)] = [
            ("", "empty"),
            ("this is not JSON", "JSON"),
            ("{\"code\": \"print(1)\"", "JSON"),
            ("[\"print(1)\"]", "JSON object"),
            ("{}", "code"),
            ("{\"payload\": {\"n\": 1}}", "code"),
            ("{\"code\": 5}", "code"),
            ("{\"code\": null}", "code"),
            ("{\"code\": \"print(1)\", \"priority\": \"high\"}", "priority"),
            ("{\"code\": \"print(1)\", \"priority\": 1.5}", "priority"),
            ("{\"code\": \"print(1)\", \"priority\": true}", "priority"),
            ("{\"code\": \"print(1)\", \"max_attempts\": \"3\"}", "max_attempts"),
            ("{\"code\": \"print(1)\", \"timeout\": \"soon\"}", "timeout"),
            ("{\"code\": \"print(1)\", \"name\": 7}", "name"),
            ("{\"code\": \"print(1)\", \"bogus\": 1}", "bogus"),
        ]
        for (body, mentions) in cases {
            let response = try await HTTPClient.post(port: node.port, "/tasks", body: body)
            #expect(response.status == 400, "\(body.debugDescription): \(response)")
            let error = response.object?["error"] as? String
            #expect(error?.contains(mentions) == true, "\(body.debugDescription): the error should mention \(mentions): \(response)")
        }
        #expect(try await queue.integer("SELECT count(*) FROM tasks") == 0)
        #expect(try await queue.integer("SELECT count(*) FROM codes") == 0)

        // Other reads refuse nonsense plainly too.
        #expect(try await node.get("/tasks/abc").status == 400)
        #expect(try await node.get("/tasks/987654321").status == 404)

        // A well-formed task, with an integer priority and a payload, is stored and runs.
        let accepted = try await HTTPClient.post(
            port: node.port, "/tasks",
            body: "{\"code\": \"print(payload['n'] + 1)\", \"payload\": {\"n\": 41}, \"priority\": 1, \"max_attempts\": 1, \"timeout\": 1, \"name\": \"ok\"}")
        #expect(accepted.status == 201, "\(accepted)")
        let id = try #require((accepted.object?["id"] as? NSNumber)?.int64Value, "\(accepted)")
        let done = try await queue.waitForRows([id], within: .seconds(30)) { $0.first?.status == .completed }
        #expect(done.held && done.rows.first?.output == "42\n", "\(done.rows)\n\(node.logTail())")
        let fetched = try await node.get("/tasks/\(id)")
        #expect(fetched.status == 200 && fetched.object?["status"] as? String == "completed", "\(fetched)")
        #expect((fetched.object?["priority"] as? NSNumber)?.intValue == 1, "\(fetched)")
        #expect(try await queue.integer("SELECT count(*) FROM tasks") == 1)
        #expect(await node.stop() == 0, "\(node.logTail())")
    }

    @Test("with CONTINUUM_API_TOKEN set, POST /tasks without the bearer token gets 401 and stores nothing",
          .timeLimit(.minutes(2)))
    func operatorToken() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let token = "t0ken-\(UUID().uuidString)"
        let node = try await NodeProcess.start(databaseURL: database.url, ["CONTINUUM_API_TOKEN": token])
        let body = "{\"code\": \"print('secret code 9d1f')\", \"payload\": {\"secret\": \"payload 77ab\"}}"
        for headers in [[:], ["Authorization": "Bearer wrong"], ["Authorization": token], ["Authorization": "Basic \(token)"]] {
            let response = try await HTTPClient.post(port: node.port, "/tasks", body: body, headers: headers)
            #expect(response.status == 401, "\(headers): \(response)")
            #expect(response.object?["error"] is String, "\(response)")
        }
        #expect(try await queue.integer("SELECT count(*) FROM tasks") == 0)
        #expect(try await queue.integer("SELECT count(*) FROM codes") == 0)

        let accepted = try await HTTPClient.post(port: node.port, "/tasks", body: body, headers: ["Authorization": "Bearer \(token)"])
        #expect(accepted.status == 201, "\(accepted)")
        // Reading stays open; and nothing the node shows carries the token, a task's code or its payload.
        let id = try #require((accepted.object?["id"] as? NSNumber)?.int64Value)
        _ = try await queue.waitForRows([id], within: .seconds(30)) { $0.first?.status == .completed }
        for path in ["/healthz", "/status", "/global-status", "/metrics"] {
            let response = try await node.get(path)
            #expect(response.status == 200, "\(path): \(response)")
            for secret in [token, "secret code 9d1f", "payload 77ab"] {
                #expect(!response.body.contains(secret), "\(path) shows \(secret)")
            }
        }
        #expect(!node.log.contains(token), "the log shows the operator token")
        let status = try await node.status()
        #expect(status["node_id"] as? String == node.id, "\(status)")
        #expect((status["uptime_s"] as? NSNumber).map { $0.doubleValue >= 0 } == true, "\(status)")
        let slots = status["slots"] as? [String: Any]
        #expect((slots?["total"] as? NSNumber)?.intValue == 1 && (slots?["busy"] as? NSNumber)?.intValue == 0, "\(status)")
        #expect(try await node.counter("completed") == 1, "\(status)")
        #expect(await node.stop() == 0, "\(node.logTail())")
    }

    @Test("SIGINT stops an idle node cleanly: exit 0", .timeLimit(.minutes(1)))
    func sigintIdle() async throws {
        let database = try await TestDatabase.make()
        let node = try await NodeProcess.start(databaseURL: database.url)
        node.send(SIGINT)
        let status = await node.waitForExit(within: .seconds(15))
        #expect(status == 0, "exit status \(String(describing: status))\n\(node.logTail())")
        #expect(!FileManager.default.fileExists(atPath: "/run/continuum/nodes/\(node.id)"), "sandbox folder left after a clean stop")
    }
}
