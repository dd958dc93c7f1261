# holders.py SOCKET N BYTES HOLD_S: N clients of a node's local API each send BYTES of a request
# with no end of line, then keep their connections open for HOLD_S seconds. Prints
# "sent=K busy=B closed=C" once every client has sent all or been closed, then "eof=E" (connections
# the node closed) at the end. For tests/e2e/local.sh.
import select
import socket
import sys
import time

path, n, size, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
socks, left, got, closed = [], {}, {}, set()
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    socks.append(s)
    left[s] = (b"{" + b" " * (size - 1)) if size > 0 else b""
    got[s] = b""


def poll(timeout):
    live = [s for s in socks if s not in closed]
    r, w, _ = select.select(live, [s for s in live if left[s]], [], timeout)
    for s in r:
        try:
            d = s.recv(65536)
        except ConnectionError:
            d = b""
        if d:
            got[s] += d
        else:
            closed.add(s)
    for s in w:
        if s in closed:
            continue
        try:
            left[s] = left[s][s.send(left[s][:1 << 20]):]
        except ConnectionError:
            closed.add(s)


deadline = time.time() + 60
while any(left[s] and s not in closed for s in socks) and time.time() < deadline:
    poll(1)
# Then until the node has been quiet for 2 s: refusals may come a little after the connects.
quiet_since, seen = time.time(), None
while time.time() - quiet_since < 2 and time.time() < deadline:
    poll(0.2)
    now = (len(closed), sum(len(g) for g in got.values()))
    if now != seen:
        seen, quiet_since = now, time.time()
busy = sum(1 for s in socks if b'"busy"' in got[s])
print("sent=%d busy=%d closed=%d" % (sum(1 for s in socks if not left[s]), busy, len(closed)),
      flush=True)
end = time.time() + hold
while time.time() < end and len(closed) < n:
    poll(0.2)
print("eof=%d" % len(closed), flush=True)
