import Foundation
@testable import Store
import TaskModel
import Testing
@testable import Node

/// The JSON the outside world reads (CONVENTIONS.md), byte for byte: field names and values.
@Suite("JSON wire shape")
struct WireShapeTests {
    @Test("a task encodes to exactly the conventional bytes, its payload as the text it was stored as")
    func taskBytes() {
        let record = TaskRecord(
            id: 7, name: "n", status: .failed, priority: 1, payloadJSON: #"{"k": "v"}"#, output: "o", stderr: nil,
            exitCode: 3, error: .exitCode, lastError: "exited 3", attempts: 1, maxAttempts: 3, fence: 1, workerID: "w",
            created: "2026-01-01T00:00:00Z", started: nil, finished: "2026-01-01T00:00:01Z", outputTruncated: false)
        #expect(String(decoding: TaskJSON.encode(record), as: UTF8.self) == """
            {"attempts":1,"created":"2026-01-01T00:00:00Z","error":"exit_code","exit_code":3,"finished":"2026-01-01T00:00:01Z",\
            "id":7,"last_error":"exited 3","max_attempts":3,"name":"n","output":"o","output_truncated":false,"payload":{"k": "v"},\
            "priority":1,"started":null,"status":"failed","stderr":null,"worker_id":"w"}
            """)
    }

    @Test("a completed task has a null error")
    func completedBytes() {
        let record = TaskRecord(
            id: 8, name: "", status: .completed, priority: 0, payloadJSON: "null", output: "1\n", stderr: "",
            exitCode: 0, error: nil, lastError: nil, attempts: 1, maxAttempts: 3, fence: 1, workerID: "w",
            created: "2026-01-01T00:00:00Z", started: "2026-01-01T00:00:00Z", finished: "2026-01-01T00:00:01Z",
            outputTruncated: true)
        #expect(String(decoding: TaskJSON.encode(record), as: UTF8.self) == """
            {"attempts":1,"created":"2026-01-01T00:00:00Z","error":null,"exit_code":0,"finished":"2026-01-01T00:00:01Z",\
            "id":8,"last_error":null,"max_attempts":3,"name":"","output":"1\\n","output_truncated":true,"payload":null,\
            "priority":0,"started":"2026-01-01T00:00:00Z","status":"completed","stderr":"","worker_id":"w"}
            """)
    }

    @Test("/global-status names the queue's depth by status")
    func globalStatusBytes() throws {
        let stats = QueueStatistics(
            countsByStatus: [.pending: 2, .running: 1, .completed: 5, .failed: 0], otherStatuses: [:], windowSeconds: 60,
            finishedInWindow: 6, latencyP50: 0.5, latencyP95: nil, latencyP99: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(GlobalStatus(stats, members: [])), as: UTF8.self)
        #expect(json == """
            {"finished_in_window":6,"latency_s":{"p50":0.5},"members":[],\
            "queue":{"completed":5,"failed":0,"pending":2,"running":1},"throughput_per_s":0.1,"window_s":60}
            """)
    }

    @Test("/global-status counts rows in a status this version does not know by their stored text")
    func otherStatusesShown() throws {
        let stats = QueueStatistics(
            countsByStatus: [.pending: 0, .running: 0, .completed: 0, .failed: 0, .processing: 2], otherStatuses: ["weird": 3],
            windowSeconds: 60, finishedInWindow: 0, latencyP50: nil, latencyP95: nil, latencyP99: nil)
        #expect(GlobalStatus(stats, members: []).queue == ["pending": 0, "running": 0, "completed": 0, "failed": 0, "processing": 2, "weird": 3])
    }
}
