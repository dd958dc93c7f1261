"""What the web interface's e2e clients share (web_security.py, web_live.py): checks that count
and fail, one HTTP request on a fresh connection, every header as given, and a node's Host."""
import http.client
import json
import os
import subprocess
import sys
import urllib.parse


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def checker(prefix):
    """ok(msg): print "ok PREFIX N - msg", N counting from 1."""
    count = [0]

    def ok(msg):
        count[0] += 1
        print("ok %s %d - %s" % (prefix, count[0], msg))
    return ok


def request(port, method, path, headers=None, body=None, host=None):
    """(status, headers dict lower-cased, body text). host: the Host header (None: none)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if host is not None:
        c.putheader("Host", host)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    data = body.encode() if isinstance(body, str) else body
    if data is not None:
        c.putheader("Content-Length", str(len(data)))
    c.endheaders(data)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h, text


def web_host(lore, home):
    """The Host of a node's web interface: its private name and port (lore-HEX.localhost:PORT)
    from `lore web`'s address; requests still go to 127.0.0.1 (request above)."""
    r = subprocess.run([lore, "web", "--json"], env=dict(os.environ, LORE_HOME=home),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("lore web: " + r.stderr)
    return urllib.parse.urlsplit(json.loads(r.stdout)["address"]).netloc
