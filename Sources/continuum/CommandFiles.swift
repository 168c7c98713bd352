import Foundation

/// Reads the files a command is given on a thread of its own, so that the read never blocks
/// Swift's cooperative pool.
enum CommandFiles {
    /// The text of the file at `path`; `what` names it in the failure (`the payload file`).
    static func text(of path: String, what: String) async throws(CommandFailure) -> String {
        let data: Data? = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: FileManager.default.contents(atPath: path)) }.start()
        }
        guard let data else { throw CommandFailure(description: "cannot read \(what) \(path): no such readable file") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure(description: "\(what) \(path) is not UTF-8 text")
        }
        return text
    }
}
