/// Errors of the sandbox layer, each with a message a user can act on.
public enum SandboxError: Error, Equatable, CustomStringConvertible {
    /// The OCI runtime binary is missing.
    case runtimeNotFound(String)
    /// The host cannot run sandboxes (not root, no cgroups, no /usr/bin/python3, ...).
    case hostUnsuitable(String)
    /// Another live process already uses this node id.
    case nodeIDInUse(String)
    /// A sandbox could not be started; `detail` holds the runtime's own words.
    case startFailed(String)
    /// The pool was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .runtimeNotFound(let name):
            return "\(name) not found: install it with apt-get install \(name == "runsc" ? "gvisor" : name) or set CONTINUUM_SANDBOX_RUNTIME to an OCI runtime binary"
        case .hostUnsuitable(let why):
            return "this host cannot run sandboxes: \(why)"
        case .nodeIDInUse(let id):
            return "node id \(id) is already used by a running process: set CONTINUUM_NODE_ID to another value"
        case .startFailed(let detail):
            return "a sandbox failed to start: \(detail)"
        case .shutDown:
            return "the sandbox pool is shut down"
        }
    }
}
