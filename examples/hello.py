# Greets whoever the payload names.
print(f"hello, {payload.get('name', 'world')}")
