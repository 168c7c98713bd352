import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Store
import TaskModel

/// Submits through a node's HTTP API (`POST /tasks`, `GET /tasks/{id}`), for `continuum submit --url`.
struct NodeAPIClient {
    let base: String
    /// The bearer token sent with mutating requests (`CONTINUUM_API_TOKEN`); reads need none.
    var token: String?

    /// Posts the task, prints `{"id": N}` or, with `wait`, the finished task; exits 1 unless it completed.
    func submit(_ task: NewTask, wait: Bool) async throws {
        guard (try? JSONSerialization.jsonObject(with: Data(task.payloadJSON.utf8), options: .fragmentsAllowed)) != nil else {
            throw CommandFailure(description: "the payload is not valid JSON: \(task.payloadJSON.prefix(80))")
        }
        var fields: [String: Any] = [
            "code": task.code, "priority": task.priority, "name": task.name, "max_attempts": task.maxAttempts,
        ]
        if let timeout = task.timeoutSeconds { fields["timeout"] = timeout }
        // The payload goes in as its text, not decoded and re-encoded (that would reorder its keys
        // and reprint its numbers): `{"payload": <text>, ...the other fields}`.
        let others = try JSONSerialization.data(withJSONObject: fields)
        let body = Data("{\"payload\": ".utf8) + Data(task.payloadJSON.utf8) + Data(", ".utf8) + others.dropFirst()
        let (data, status) = try await request("/tasks", body: body)
        guard status == 201, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let id = (object["id"] as? NSNumber)?.int64Value else {
            throw CommandFailure(description: "\(base) refused the task (\(status)): \(Self.message(data))")
        }
        guard wait else {
            print("{\"id\": \(id)}")
            return
        }
        var polling = Backoff.waitingForATask
        while true {
            let (data, status) = try await request("/tasks/\(id)", body: nil)
            guard status == 200, let task = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CommandFailure(description: "\(base) cannot show task \(id) (\(status)): \(Self.message(data))")
            }
            guard let text = task["status"] as? String, let state = TaskState(rawValue: text) else {
                throw CommandFailure(description: "\(base) shows task \(id) with a status this continuum does not know: \(Self.message(data))")
            }
            if state.isFinal {
                print(String(decoding: data, as: UTF8.self))
                if state != .completed { throw ExitCode(1) }
                return
            }
            try await polling.pause()
        }
    }

    /// GETs `path`, or POSTs `body` to it; returns the body and the HTTP status.
    func request(_ path: String, body: Data?) async throws -> (Data, Int) {
        guard let url = URL(string: base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            throw CommandFailure(description: "--url \(base) is not a URL")
        }
        var request = URLRequest(url: url)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if let token {
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            }
        }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
        } catch {
            throw CommandFailure(description: "cannot reach the node at \(base): \(error.localizedDescription)")
        }
    }

    /// The `error` sentence of an API answer, or its first bytes.
    static func message(_ data: Data) -> String {
        ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String) ?? String(decoding: data.prefix(300), as: UTF8.self)
    }
}
