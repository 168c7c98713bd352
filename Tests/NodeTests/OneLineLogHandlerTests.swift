import Logging
@testable import Node
import Testing

@Suite("One record, one line")
struct OneLineLogHandlerTests {
    @Test("line breaks and other control characters in messages and metadata are escaped; other text is kept")
    func escapes() {
        #expect(OneLineLogHandler.escaped("a\nb\r\tc\u{1B}[2Jd\u{2028}e\u{85}") == #"a\nb\r\tc\u{1b}[2Jd\u{2028}e\u{85}"#)
        #expect(OneLineLogHandler.escaped("héllo ☃ [Node] task_id=1") == "héllo ☃ [Node] task_id=1")
        let nested = OneLineLogHandler.escaped(.dictionary(["k": .array([.string("x\ny"), .stringConvertible(7)])]))
        #expect(nested == .dictionary(["k": .array([.string(#"x\ny"#), .string("7")])]))
    }

    @Test("metadata set on the logger is escaped too")
    func loggerMetadata() {
        var handler = OneLineLogHandler(StreamLogHandler.standardError(label: "test"))
        handler[metadataKey: "detail"] = "one\ntwo"
        #expect(handler[metadataKey: "detail"] == .string(#"one\ntwo"#))
        handler.metadata = ["error": "a\rb"]
        #expect(handler.metadata["error"] == .string(#"a\rb"#))
    }
}
