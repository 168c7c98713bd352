import Foundation
import TestSupport

/// A tiny HTTP/1.1 client for a node's API on loopback: one request per connection
/// (`Connection: close`), blocking socket calls on a thread of their own (never on Swift's
/// cooperative pool), with timeouts. Enough for `/healthz`, `/status` and `POST /tasks`.
enum HTTPClient {
    struct Response: Sendable, CustomStringConvertible {
        var status: Int
        var headers: [String: String]
        var body: String

        /// The body parsed as a JSON object, or nil.
        var object: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }

        var description: String { "HTTP \(status): \(body)" }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func get(port: Int, _ path: String, timeout: Double = 10) async throws -> Response {
        try await request("GET", port: port, path: path, timeout: timeout)
    }

    static func post(port: Int, _ path: String, body: String, headers: [String: String] = [:], timeout: Double = 10) async throws -> Response {
        try await request("POST", port: port, path: path, headers: ["Content-Type": "application/json"].merging(headers) { $1 }, body: Data(body.utf8), timeout: timeout)
    }

    static func request(
        _ method: String, port: Int, path: String, headers: [String: String] = [:], body: Data = Data(), timeout: Double = 10
    ) async throws -> Response {
        let result: Result<Response, Failure> = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { () throws(Failure) in
                    try blockingRequest(method, port: port, path: path, headers: headers, body: body, timeout: timeout)
                })
            }.start()
        }
        return try result.get()
    }

    private static func blockingRequest(
        _ method: String, port: Int, path: String, headers: [String: String], body: Data, timeout: Double
    ) throws(Failure) -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var request = Data(head.utf8)
        request.append(body)
        let sent = request.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        guard sent else { throw Failure(description: "send to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }

        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: "receive from 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return try parse(received)
    }

    private static func parse(_ bytes: [UInt8]) throws(Failure) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...max(0, bytes.count - 4)).first(where: { bytes.count >= 4 && Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "no complete HTTP response: \(String(decoding: bytes, as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var result = [UInt8]()
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }),
                  let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16),
                  size > 0, lineEnd + 2 + size <= bytes.count
            else { break }
            result.append(contentsOf: bytes[(lineEnd + 2)..<(lineEnd + 2 + size)])
            index = lineEnd + 2 + size + 2
        }
        return result
    }
}
