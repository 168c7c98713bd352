import Foundation
import TaskModel

/// Task records and requests as JSON (CONVENTIONS.md: "A task as the outside world sees it").
public enum TaskJSON {
    /// The task as a JSON object; the payload is embedded as the JSON text it was submitted as
    /// (already checked to be JSON by the database), not re-encoded, so `1e20` stays `1e20`.
    public static func encode(_ task: TaskRecord) -> Data {
        // The payload goes in where a placeholder no other field can contain (a fresh UUID) was.
        let placeholder = UUID().uuidString
        func orNull(_ value: Any?) -> Any { value ?? NSNull() }
        let object: [String: Any] = [
            "id": task.id,
            "name": task.name,
            "status": task.status.rawValue,
            "priority": task.priority,
            "payload": placeholder,
            "output": orNull(task.output),
            "stderr": orNull(task.stderr),
            "exit_code": orNull(task.exitCode.map { Int($0) }),
            "error": orNull(task.error?.rawValue),
            "last_error": orNull(task.lastError),
            "attempts": task.attempts,
            "max_attempts": task.maxAttempts,
            "worker_id": orNull(task.workerID),
            "created": task.created,
            "started": orNull(task.started),
            "finished": orNull(task.finished),
            "output_truncated": task.outputTruncated,
        ]
        guard let encoded = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: encoded, encoding: .utf8),
              let slot = text.range(of: "\"payload\":\"\(placeholder)\"")
        else { return Data("{}".utf8) }
        return Data(text.replacingCharacters(in: slot, with: "\"payload\":" + task.payloadJSON).utf8)
    }

    /// A task request: `{"code": "...", "payload": <any JSON>, "priority": 0, "name": "",
    /// "description": "", "max_attempts": 3, "timeout": seconds}`. Unknown fields are refused.
    public static func decodeNewTask(_ body: Data) throws(RequestError) -> NewTask {
        guard !body.isEmpty else { throw RequestError("the request body is empty; send a JSON object with at least \"code\"") }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw RequestError("the request body is not a JSON object")
        }
        let known: Set<String> = ["code", "payload", "priority", "name", "description", "max_attempts", "timeout"]
        if let unknown = object.keys.filter({ !known.contains($0) }).sorted().first {
            throw RequestError("unknown field \"\(unknown)\"; known fields are \(known.sorted().joined(separator: ", "))")
        }
        guard let code = object["code"] as? String else { throw RequestError("\"code\" is required and must be a string") }
        var task = NewTask(code: code)
        if let payload = object["payload"] {
            guard let data = try? JSONSerialization.data(withJSONObject: payload, options: [.fragmentsAllowed]),
                  let text = String(data: data, encoding: .utf8) else { throw RequestError("\"payload\" is not valid JSON") }
            task.payloadJSON = text
        }
        if let priority = try integer(object, "priority") { task.priority = priority }
        if let attempts = try integer(object, "max_attempts") { task.maxAttempts = attempts }
        if let value = object["timeout"] {
            guard let number = value as? NSNumber, !isBoolean(value) else { throw RequestError("\"timeout\" must be a number of seconds") }
            task.timeoutSeconds = number.doubleValue
        }
        if let name = try string(object, "name") { task.name = name }
        if let description = try string(object, "description") { task.description = description }
        return task
    }
}

private func integer(_ object: [String: Any], _ field: String) throws(RequestError) -> Int? {
    guard let value = object[field] else { return nil }
    guard let number = value as? NSNumber, !isBoolean(value), let integer = Int(exactly: number.doubleValue) else {
        throw RequestError("\"\(field)\" must be an integer")
    }
    return integer
}

/// Whether a decoded JSON value is `true` or `false`. Not `value is Bool`: through NSNumber
/// bridging that also holds for the numbers 0 and 1, which would refuse `"priority": 1`.
private func isBoolean(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return value is Bool }
    return String(cString: number.objCType) == "c"
}

private func string(_ object: [String: Any], _ field: String) throws(RequestError) -> String? {
    guard let value = object[field] else { return nil }
    guard let text = value as? String else { throw RequestError("\"\(field)\" must be a string") }
    return text
}

/// A request the API refuses, with the sentence it answers.
public struct RequestError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
