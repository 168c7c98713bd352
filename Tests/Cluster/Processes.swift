import Foundation
import TestSupport

/// The built `continuum` binary the cluster tests start as real processes.
enum Binary {
    /// `CONTINUUM_BIN`, or the debug build in this checkout.
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["CONTINUUM_BIN"], !path.isEmpty { return path }
        return TestDatabase.repository.appendingPathComponent(".build/debug/continuum").path
    }

    /// The environment of a peer process talking to `database`, with nothing else inherited
    /// that could change its behaviour.
    static func environment(database: TestDatabase, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DATABASE_URL": database.url]
        environment.merge(extra) { $1 }
        return environment
    }
}
