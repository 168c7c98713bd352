# expect: completed
# payload: {"text": "h\u00e9llo \u2603 \ud83d\ude80", "nested": {"list": [1, 2.5, null, true, "x"]}, "quote": "'; DROP TABLE tasks; --"}
# stdout_json_equals_payload: true
# Runs last, after every hostile case: the slot still works, and the payload arrives intact, as
# the global and as the file, and the output comes back byte for byte.
import json, sys
assert json.load(open(sys.argv[1])) == payload
print(json.dumps(payload, ensure_ascii=False))
