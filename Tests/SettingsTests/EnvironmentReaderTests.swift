import Settings
import Testing

private extension EnvironmentVariable {
    static let probe = EnvironmentVariable("CONTINUUM_PROBE")
    static let other = EnvironmentVariable("CONTINUUM_OTHER")
}

/// A closed set, as `DatabaseConfiguration.Isolation` and `Logger.Level` are.
private enum Level: String, CaseIterable {
    case readCommitted = "read committed"
    case serializable
}

/// The reader over one setting of `probe`.
private func probe(_ value: String) -> EnvironmentReader {
    EnvironmentReader([EnvironmentVariable.probe.name: value])
}

/// The error a read of `probe` set to `value` fails with, or nil when it succeeds.
private func refusal<Value>(_ value: String, _ read: (EnvironmentReader) throws -> Value?) -> ConfigurationError? {
    do {
        _ = try read(probe(value))
        return nil
    } catch {
        return error as? ConfigurationError
    }
}

@Suite("Environment reader")
struct EnvironmentReaderTests {
    @Test("an unset, empty or blank variable reads as nil with every kind of read", arguments: [nil, "", "  \t"])
    func unset(value: String?) throws {
        let reader = EnvironmentReader(value.map { [EnvironmentVariable.probe.name: $0] } ?? [:])
        #expect(try reader.string(.probe) == nil)
        #expect(try reader.integer(.probe, in: 1...2) == nil)
        #expect(try reader.number(.probe, in: 1...2) == nil)
        #expect(try reader.seconds(.probe, in: 1...2) == nil)
        #expect(try reader.flag(.probe) == nil)
        #expect(try reader.choice(.probe, of: Level.self) == nil)
        #expect(try reader.absolutePath(.probe) == nil)
        #expect(try reader.hostPort(.probe) == nil)
        #expect(try reader.reachableHostPort(.probe) == nil)
        #expect(reader.list(.probe).isEmpty)
        #expect(try reader.reachableHostPorts(.probe).isEmpty)
    }

    @Test("text loses its surrounding whitespace and may be bounded in bytes")
    func string() throws {
        #expect(try probe("  peer-1 ").string(.probe) == "peer-1")
        #expect(try probe("ééé").string(.probe, maxBytes: 6) == "ééé")
        #expect(refusal("éééé") { try $0.string(.probe, maxBytes: 6) }?.description
            == #"CONTINUUM_PROBE="éééé": expected text of at most 6 bytes"#)
    }

    @Test("a secret is kept byte for byte, and a refusal shows only its length")
    func secret() throws {
        #expect(try probe("s3cr3t with inner space").secret(.probe) == "s3cr3t with inner space")
        for bad in [" 0123456789abcdef", "0123456789abcdef\n", "short"] {
            let error = try #require(refusal(bad) { try $0.secret(.probe, minimumBytes: 16) })
            #expect(error.value == .secret(bytes: bad.utf8.count))
            #expect(error.description == "CONTINUUM_PROBE (\(bad.utf8.count) bytes, not shown): "
                + "expected a secret of at least 16 bytes without surrounding whitespace")
            #expect(!error.description.contains("0123456789abcdef") && !error.description.contains("short"))
        }
    }

    @Test("whole numbers: both bounds included, anything else refused with the range")
    func integer() throws {
        #expect(try probe("1").integer(.probe, in: 1...1024) == 1)
        #expect(try probe(" 1024 ").integer(.probe, in: 1...1024) == 1024)
        #expect(try probe("-5").integer(.probe, in: -10...10) == -5)
        for bad in ["0", "1025", "abc", "2.5", "1e3", "12abc", "99999999999999999999"] {
            #expect(refusal(bad) { try $0.integer(.probe, in: 1...1024) }?.description
                == "CONTINUUM_PROBE=\"\(bad)\": expected a whole number from 1 to 1024")
        }
    }

    @Test("numbers: fractions allowed, bounds included, NaN and infinity refused")
    func number() throws {
        #expect(try probe("0.5").number(.probe, in: 0.01...1024) == 0.5)
        #expect(try probe("0.01").number(.probe, in: 0.01...1024) == 0.01)
        #expect(try probe("1024").number(.probe, in: 0.01...1024) == 1024)
        for bad in ["0", "-1", "1024.5", "nan", "inf", "lots"] {
            #expect(refusal(bad) { try $0.number(.probe, in: 0.01...1024) }?.description
                == "CONTINUUM_PROBE=\"\(bad)\": expected a number from 0.01 to 1024")
        }
    }

    @Test("durations are written in seconds, fractions allowed")
    func seconds() throws {
        #expect(try probe("0.5").seconds(.probe, in: 0.5...86_400) == .milliseconds(500))
        #expect(try probe("30").seconds(.probe, in: 0.5...86_400) == .seconds(30))
        #expect(try probe("2.5").seconds(.probe, in: 0.1...86_400) == .milliseconds(2500))
        #expect(try probe("86400").seconds(.probe, in: 0...86_400) == .seconds(86_400))
        #expect(try probe("0").seconds(.probe, in: 0...86_400) == .zero)
        for bad in ["0.4", "86401", "-1", "soon", "nan", "5s"] {
            #expect(refusal(bad) { try $0.seconds(.probe, in: 0.5...86_400) }?.description
                == "CONTINUUM_PROBE=\"\(bad)\": expected a number of seconds from 0.5 to 86400")
        }
    }

    @Test("switches read on and off in their usual spellings, in any case")
    func flag() throws {
        for on in ["on", "ON", "true", "yes", "1"] { #expect(try probe(on).flag(.probe) == true) }
        for off in ["off", "Off", "false", "no", "0"] { #expect(try probe(off).flag(.probe) == false) }
        for bad in ["maybe", "2", "enabled"] {
            #expect(refusal(bad) { try $0.flag(.probe) }?.description == "CONTINUUM_PROBE=\"\(bad)\": expected on or off")
        }
    }

    @Test("a closed set: any case, _ or - for a space; an unknown word is refused with the whole set")
    func choice() throws {
        #expect(try probe("serializable").choice(.probe) == Level.serializable)
        #expect(try probe("read committed").choice(.probe) == Level.readCommitted)
        #expect(try probe("READ_COMMITTED").choice(.probe) == Level.readCommitted)
        #expect(try probe("Read-Committed").choice(.probe) == Level.readCommitted)
        for bad in ["snapshot", "readcommitted", "serial"] {
            #expect(refusal(bad) { try $0.choice(.probe, of: Level.self) }?.description
                == "CONTINUUM_PROBE=\"\(bad)\": expected one of \"read committed\", \"serializable\"")
        }
    }

    @Test("absolute paths")
    func absolutePath() throws {
        #expect(try probe("/var/run/x").absolutePath(.probe) == "/var/run/x")
        #expect(refusal("run/x") { try $0.absolutePath(.probe) }?.description == #"CONTINUUM_PROBE="run/x": expected an absolute path"#)
    }

    @Test("host:port to bind: wildcards and port 0 are fine, IPv6 in brackets")
    func hostPort() throws {
        #expect(try probe("0.0.0.0:7946").hostPort(.probe) == HostPort(host: "0.0.0.0", port: 7946))
        #expect(try probe("[::1]:0").hostPort(.probe) == HostPort(host: "::1", port: 0))
        #expect(try probe("peer-1:7946").hostPort(.probe)?.description == "peer-1:7946")
        #expect(try probe("[::1]:7000").hostPort(.probe)?.description == "[::1]:7000")
        for bad in ["0.0.0.0", "h:70000", "::1:80", ":80", "h:", "h:-1", "[::1]7000", "a b:1"] {
            #expect(refusal(bad) { try $0.hostPort(.probe) }?.description
                == "CONTINUUM_PROBE=\"\(bad)\": expected host:port (an IPv6 address in brackets) with a port from 0 to 65535")
        }
    }

    @Test("host:port peers send to: no wildcard, no port 0")
    func reachableHostPort() throws {
        #expect(try probe("10.0.0.5:7946").reachableHostPort(.probe) == HostPort(host: "10.0.0.5", port: 7946))
        for bad in ["0.0.0.0:1", "[::]:1", "h:0", "h"] {
            let error = try #require(refusal(bad) { try $0.reachableHostPort(.probe) })
            #expect(error.value == .text(bad))
            #expect(error.description.hasPrefix("CONTINUUM_PROBE=\"\(bad)\": expected host:port other machines can reach"))
        }
    }

    @Test("lists are comma-separated, trimmed, without empty items; a bad item is named")
    func lists() throws {
        #expect(probe(" a, b ,,c ,").list(.probe) == ["a", "b", "c"])
        #expect(try probe("peer-1:7946, [::1]:7000,").reachableHostPorts(.probe).map(\.description) == ["peer-1:7946", "[::1]:7000"])
        let error = try #require(refusal("a:1, b ,c:0") { try $0.reachableHostPorts(.probe) })
        #expect(error.value == .item("b"))
        #expect(error.description.hasPrefix(#"CONTINUUM_PROBE holds "b": expected comma-separated items, each host:port"#))
    }

    @Test("a required variable: its value when set, its read's refusal when malformed, a refusal naming the condition when unset")
    func required() throws {
        let condition = "\(EnvironmentVariable.other) is set"
        func read(_ reader: EnvironmentReader) throws(ConfigurationError) -> Int {
            try reader.required(.probe, when: condition) { variable throws(ConfigurationError) in try reader.integer(variable, in: 1...9) }
        }
        #expect(try read(probe("7")) == 7)
        let unset = #expect(throws: ConfigurationError.self) { try read(EnvironmentReader([:])) }
        #expect(unset?.value == .unset)
        #expect(unset?.description == "CONTINUUM_PROBE is not set: expected a value when CONTINUUM_OTHER is set")
        let malformed = #expect(throws: ConfigurationError.self) { try read(probe("x")) }
        #expect(malformed?.value == .text("x"))
    }

    @Test("every refusal names the variable first and quotes the value so that control characters show")
    func messages() {
        let variable = EnvironmentVariable("CONTINUUM_SLOTS")
        #expect(ConfigurationError(variable: variable, value: .text("abc"), expected: "a whole number from 1 to 256").description
            == #"CONTINUUM_SLOTS="abc": expected a whole number from 1 to 256"#)
        #expect(ConfigurationError(variable: variable, value: .text("a\"b\n"), expected: "x").description
            == #"CONTINUUM_SLOTS="a\"b\n": expected x"#)
        #expect(ConfigurationError(variable: variable, value: .unset, expected: "x").description == "CONTINUUM_SLOTS is not set: expected x")
        #expect(ConfigurationError(variable: variable, value: .item("b"), expected: "x").description == #"CONTINUUM_SLOTS holds "b": expected x"#)
        #expect(ConfigurationError(variable: variable, value: .secret(bytes: 3), expected: "x").description
            == "CONTINUUM_SLOTS (3 bytes, not shown): expected x")
    }

    @Test("only the named variable is read")
    func isolation() throws {
        let reader = EnvironmentReader(["CONTINUUM_PROBE_EXTRA": "x", EnvironmentVariable.other.name: "5"])
        #expect(try reader.integer(.probe, in: 1...9) == nil)
        #expect(try reader.integer(.other, in: 1...9) == 5)
    }
}
