# expect: completed
# payload_size_bytes: 4000000
# A payload of several megabytes arrives whole, as the global and as the file.
import json, sys
assert payload["n"] == 4000000 and len(payload["blob"]) == 4000000 - 64
assert json.load(open(sys.argv[1])) == payload
print("ok")
