import Foundation
@testable import Store
import TaskModel
import Testing

@Suite("Task JSON")
struct TaskJSONTests {
    @Test("a full request decodes")
    func decodesRequest() throws {
        let task = try TaskJSON.decodeNewTask(Data(#"{"code": "print(1)", "payload": {"a": [1, null]}, "priority": -3, "name": "n", "max_attempts": 5, "timeout": 2.5}"#.utf8))
        #expect(task.code == "print(1)" && task.priority == -3 && task.name == "n" && task.maxAttempts == 5 && task.timeoutSeconds == 2.5)
        let payload = try JSONSerialization.jsonObject(with: Data(task.payloadJSON.utf8)) as? [String: Any]
        #expect((payload?["a"] as? [Any])?.count == 2)
    }

    @Test("0 and 1 are integers, not booleans", arguments: [0, 1])
    func zeroAndOneAreIntegers(value: Int) throws {
        let task = try TaskJSON.decodeNewTask(Data(#"{"code": "x", "priority": \#(value), "max_attempts": 1, "timeout": \#(value + 1)}"#.utf8))
        #expect(task.priority == value && task.maxAttempts == 1 && task.timeoutSeconds == Double(value + 1))
    }

    @Test("malformed requests are refused with a sentence naming the problem", arguments: [
        ("", "empty"),
        ("[1]", "not a JSON object"),
        ("{", "not a JSON object"),
        (#"{"payload": {}}"#, "\"code\" is required"),
        (#"{"code": 1}"#, "\"code\" is required"),
        (#"{"code": "x", "priority": "high"}"#, "\"priority\" must be an integer"),
        (#"{"code": "x", "priority": 1.5}"#, "\"priority\" must be an integer"),
        (#"{"code": "x", "priority": true}"#, "\"priority\" must be an integer"),
        (#"{"code": "x", "timeout": "soon"}"#, "\"timeout\""),
        (#"{"code": "x", "colour": "red"}"#, "unknown field \"colour\""),
    ])
    func refusesMalformed(body: String, message: String) {
        do {
            _ = try TaskJSON.decodeNewTask(Data(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("a record encodes every conventional field, with the payload as JSON")
    func encodesRecord() throws {
        let record = TaskRecord(
            id: 7, name: "n", status: .failed, priority: 1, payloadJSON: #"{"k": "v"}"#, output: "o", stderr: nil,
            exitCode: 3, error: .exitCode, lastError: "exited 3", attempts: 1, maxAttempts: 3, fence: 1, workerID: "w",
            created: "2026-01-01T00:00:00Z", started: nil, finished: nil, outputTruncated: false)
        let object = try #require(JSONSerialization.jsonObject(with: TaskJSON.encode(record)) as? [String: Any])
        for key in ["id", "name", "status", "priority", "payload", "output", "stderr", "exit_code", "error", "last_error",
                    "attempts", "worker_id", "created", "started", "finished", "output_truncated"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect((object["payload"] as? [String: Any])?["k"] as? String == "v")
        #expect(object["stderr"] is NSNull)
        #expect(object["exit_code"] as? Int == 3)
    }
}
