# expect: any
# next: locked_scratch_b.py
# Leaves files in scratch inside folders it made unreadable and unwritable.
import os
os.makedirs("/tmp/locked/deeper")
open("/tmp/locked/deeper/secret", "w").write("from the previous task")
os.chmod("/tmp/locked/deeper", 0)
os.chmod("/tmp/locked", 0)
os.symlink("/etc/passwd", "/tmp/main.py.link")
print("planted")
