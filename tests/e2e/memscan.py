# memscan.py PID STRING: count the copies of STRING in the writable memory of process PID (heap,
# anonymous mappings, stacks), read through /proc/PID/mem (root, or the same user with ptrace
# allowed). Prints the count. For tests/e2e/local.sh: secrets must not linger after use.
import re
import sys

pid, needle = sys.argv[1], sys.argv[2].encode()
count = 0
try:
    mem = open("/proc/%s/mem" % pid, "rb", 0)
except PermissionError:
    print("unreadable")  # not root and ptrace is restricted (Yama)
    sys.exit(0)
CHUNK = 1 << 20
with open("/proc/%s/maps" % pid) as maps, mem:
    for line in maps:
        parts = line.split()
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        path = parts[5] if len(parts) > 5 else ""
        if "w" not in parts[1] or (path and not path.startswith("[")):
            continue  # only writable, anonymous or [heap]/[stack]
        if hi - lo > 1 << 30:
            continue  # reservations (ASan's shadow), not memory in use
        tail = b""
        for at in range(lo, hi, CHUNK):
            try:
                mem.seek(at)
                data = tail + mem.read(min(CHUNK, hi - at))
            except (OSError, ValueError, OverflowError):
                tail = b""
                continue
            count += data.count(needle)
            # Keep len-1 bytes: a match across chunks is found, none is counted twice.
            tail = data[-(len(needle) - 1):] if len(needle) > 1 else b""
print(count)
