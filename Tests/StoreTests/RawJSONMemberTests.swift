import Foundation
import Testing
@testable import Store

@Suite("The payload's text as sent in POST /tasks")
struct RawJSONMemberTests {
    @Test("the member's value comes back byte for byte, whatever surrounds it", arguments: [
        (#"{"code": "x", "payload": {"huge": 1.7976931348623157e308, "b": 1, "a": 1e20}}"#, #"{"huge": 1.7976931348623157e308, "b": 1, "a": 1e20}"#),
        (#"{"payload":[1e20,{"}": "]"}, "\"{"] ,"code":"x"}"#, #"[1e20,{"}": "]"}, "\"{"]"#),
        ("\u{FEFF}{ \"code\": \"x\",\n \"payload\" :\t-0.5e-3 \n}", "-0.5e-3"),
        (#"{"code": "x", "pay\u006coad": "\u00e9", "other": {"payload": 1}}"#, #""\u00e9""#),
        (#"{"code": "x", "payload": null}"#, "null"),
        (#"{"code": "x", "payload": true, "name": "n"}"#, "true"),
    ])
    func valueAsSent(body: String, payload: String) throws {
        #expect(try RawJSONMember.value(of: "payload", in: Data(body.utf8)) == payload)
    }

    @Test("no payload member, or a nested one only, is nil")
    func absent() throws {
        #expect(try RawJSONMember.value(of: "payload", in: Data(#"{"code": "x", "args": {"payload": 1}}"#.utf8)) == nil)
        #expect(try RawJSONMember.value(of: "payload", in: Data(#"{}"#.utf8)) == nil)
    }

    @Test("a payload given twice is refused")
    func duplicate() {
        #expect(throws: RequestError.self) {
            try RawJSONMember.value(of: "payload", in: Data(#"{"payload": 1, "code": "x", "payload": 2}"#.utf8))
        }
    }
}
