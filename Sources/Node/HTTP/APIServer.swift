import Foundation
import Hummingbird
import Logging
import Prometheus
import Store

/// The node's HTTP API (CONVENTIONS.md): `/healthz`, `/status`, `/global-status`, `/metrics`,
/// `POST /tasks`, `GET /tasks/{id}`. Mutating endpoints require the operator token when one is
/// configured.
public enum APIServer {
    /// Largest request body accepted by `POST /tasks`.
    static let maxBody = 8 << 20

    /// The router for `node`, which submits to and reads tasks from `store` and exports
    /// `registry` at `/metrics`.
    public static func router(node: Node, store: TaskStore, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        let token = node.configuration.apiToken

        router.get("/healthz") { _, _ in json(["status": "ok"]) }

        router.get("/status") { _, _ in
            try json(encoded: await node.status())
        }

        router.get("/global-status") { _, _ in
            do {
                let stats = try await store.statistics(windowSeconds: 60)
                let status = await node.status()
                return try json(encoded: GlobalStatus(stats, members: status.members))
            } catch {
                return problem(.serviceUnavailable, "cannot read the queue: \(error)")
            }
        }

        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }

        router.post("/tasks") { request, context in
            if let token, request.headers[.authorization] != "Bearer \(token)" {
                return problem(.unauthorized, "this endpoint needs the operator token: send Authorization: Bearer <CONTINUUM_API_TOKEN>")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBody)
            } catch {
                return problem(.contentTooLarge, "the request body is larger than \(maxBody) bytes")
            }
            var task: NewTask
            do {
                let data = Data(buffer: body)
                task = try TaskJSON.decodeNewTask(data)
                // The payload's text as sent, not re-encoded: the script sees it exactly as submitted.
                if let payload = try RawJSONMember.value(of: "payload", in: data) { task.payloadJSON = payload }
            } catch let error as RequestError {
                return problem(.badRequest, error.description)
            }
            do {
                let id = try await store.submit(task)
                node.taskSubmitted(priority: task.priority)
                return try json(encoded: ["id": id], status: .created)
            } catch StoreError.invalidInput(let message) {
                return problem(.badRequest, message)
            } catch {
                context.logger.error("cannot store a submitted task", metadata: ["error": "\(error)"])
                return problem(.serviceUnavailable, "the task could not be stored: \(error)")
            }
        }

        router.get("/tasks/:id") { _, context in
            guard let text = context.parameters.get("id"), let id = Int64(text) else {
                return problem(.badRequest, "the task id must be an integer")
            }
            do {
                guard let task = try await store.task(id: id) else { return problem(.notFound, "task \(id) does not exist") }
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: TaskJSON.encode(task))))
            } catch {
                return problem(.serviceUnavailable, "cannot read the task: \(error)")
            }
        }
        return router
    }

    static func json(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        (try? json(encoded: object, status: status)) ?? Response(status: .internalServerError)
    }

    static func json<T: Encodable>(encoded value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// An error answer: `{"error": "<one clear sentence>"}`.
    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(["error": message], status: status)
    }
}

/// `/global-status`: the cluster as the database sees it.
struct GlobalStatus: Encodable {
    struct Latency: Encodable {
        var p50: Double?
        var p95: Double?
        var p99: Double?
    }

    /// Tasks by status: the states this version knows, and any other text rows hold.
    var queue: [String: Int]
    var windowSeconds: Int
    var finishedInWindow: Int
    var throughputPerSecond: Double
    var latencySeconds: Latency
    var members: [NodeStatus.Member]

    init(_ stats: QueueStatistics, members: [NodeStatus.Member]) {
        queue = stats.otherStatuses.merging(stats.countsByStatus.map { ($0.key.rawValue, $0.value) }) { $1 }
        windowSeconds = stats.windowSeconds
        finishedInWindow = stats.finishedInWindow
        throughputPerSecond = stats.throughput
        latencySeconds = Latency(p50: stats.latencyP50, p95: stats.latencyP95, p99: stats.latencyP99)
        self.members = members
    }

    enum CodingKeys: String, CodingKey {
        case queue, members
        case windowSeconds = "window_s"
        case finishedInWindow = "finished_in_window"
        case throughputPerSecond = "throughput_per_s"
        case latencySeconds = "latency_s"
    }
}
