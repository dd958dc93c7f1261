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
with open("/proc/%s/maps" % pid) as maps, mem:
    for line in maps:
        parts = line.split()
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        path = parts[5] if len(parts) > 5 else ""
        if "w" not in parts[1] or (path and not path.startswith("[")):
            continue  # only writable, anonymous or [heap]/[stack]
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        count += len(re.findall(re.escape(needle), data))
print(count)
