import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Node
import Prometheus
import Sandbox
import Store
import Testing
import TestSupport

/// The HTTP routes through Hummingbird's router test client: no live server, a real PostgreSQL
/// behind `POST /tasks` and `GET /tasks/{id}`, and a node that is not running.
@Suite("HTTP routes")
struct APIRouterTests {
    static let token = "operator-token-0123456789"

    static func app(store: TaskStore, token: String? = nil) -> some ApplicationProtocol {
        var configuration = NodeConfiguration(database: DatabaseConfiguration(), sandbox: SandboxConfiguration(nodeID: "router"))
        configuration.apiToken = token
        let node = Node(configuration: configuration, queue: InMemoryQueue(), runner: ScriptedRunner(), logger: Logger(label: "router"))
        return Application(router: APIServer.router(node: node, store: store, registry: PrometheusCollectorRegistry()))
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    static func post(_ client: some TestClientProtocol, _ body: String, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/tasks", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test("a submitted task comes back from GET /tasks/{id} with its payload exactly as sent; /global-status counts it")
    func submitAndRead() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        try await Self.app(store: store).test(.router) { client async throws in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let created = try await Self.post(client, #"{"code": "print(1)", "payload": {"huge": 1.7976931348623157e308, "b": 1, "a": 1e20}, "priority": 4}"#)
            #expect(created.status == .created)
            let id = try #require(Self.json(created.body)["id"] as? Int)
            let read = try await client.execute(uri: "/tasks/\(id)", method: .get)
            #expect(read.status == .ok)
            let text = String(buffer: read.body)
            #expect(text.contains(#"1.7976931348623157e308"#) && text.contains("1e20"), "\(text)")
            let task = Self.json(read.body)
            #expect(task["status"] as? String == "pending" && task["priority"] as? Int == 4)
            let global = try await client.execute(uri: "/global-status", method: .get)
            #expect((Self.json(global.body)["queue"] as? [String: Int])?["pending"] == 1)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }

    @Test("malformed requests get a 400 (or 404, 413) whose error names the problem, and nothing is stored")
    func malformedRequests() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        try await Self.app(store: store).test(.router) { client async throws in
            for body in [#"{"payload": {}}"#, #"{"code": 5}"#, "not json", #"{"code": "pass", "priority": "high"}"#,
                         #"{"code": "pass", "payload": {"a": }"#, #"{"code": "pass", "payload": 1, "payload": 2}"#] {
                let response = try await Self.post(client, body)
                #expect(response.status == .badRequest, "\(body) → \(response.status)")
                #expect((Self.json(response.body)["error"] as? String)?.isEmpty == false, "\(body): no error sentence")
            }
            let huge = try await Self.post(client, #"{"code": ""# + String(repeating: "x", count: APIServer.maxBody) + #""}"#)
            #expect(huge.status == .contentTooLarge)
            #expect(try await client.execute(uri: "/tasks/abc", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/tasks/987654321", method: .get).status == .notFound)
        }
        #expect(try await database.integer("SELECT count(*) FROM tasks") == 0)
    }

    @Test("with an operator token, POST /tasks needs it exactly; without, the request is refused and nothing is stored")
    func operatorToken() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        try await Self.app(store: store, token: Self.token).test(.router) { client async throws in
            for token in [nil, "wrong", Self.token + "x", " " + Self.token] {
                #expect(try await Self.post(client, #"{"code": "pass"}"#, token: token).status == .unauthorized, "\(token ?? "none")")
            }
            #expect(try await database.integer("SELECT count(*) FROM tasks") == 0)
            #expect(try await Self.post(client, #"{"code": "pass"}"#, token: Self.token).status == .created)
        }
        #expect(try await database.integer("SELECT count(*) FROM tasks") == 1)
    }

    @Test("with the database out of reach, submissions and /global-status answer 503 with the reason, and /status still answers")
    func databaseAway() async throws {
        let store = TaskStore(configuration: DatabaseConfiguration(url: "postgres://postgres@127.0.0.1:1/postgres", poolSize: 1), logger: Logger(label: "away"))
        defer { store.shutdown() }
        try await Self.app(store: store).test(.router) { client async throws in
            let submitted = try await Self.post(client, #"{"code": "pass"}"#)
            #expect(submitted.status == .serviceUnavailable)
            #expect((Self.json(submitted.body)["error"] as? String)?.contains("could not be stored") == true)
            #expect(try await client.execute(uri: "/global-status", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/status", method: .get).status == .ok)
        }
    }
}
