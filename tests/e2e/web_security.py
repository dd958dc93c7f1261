#!/usr/bin/env python3
"""The web interface's defences, checked with a plain HTTP client (web_security.sh runs it).

usage: web_security.py PORT LORE_HOME LORE
Prints one "ok" line per check; exits 1 at the first failure.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

import webhttp
from webhttp import fail

PORT = int(sys.argv[1])
HOME = sys.argv[2]
LORE = sys.argv[3]
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
ok = webhttp.checker("web")


def lore(*args):
    env = dict(os.environ, LORE_HOME=HOME)
    return subprocess.run([LORE, *args], env=env, capture_output=True, text=True, timeout=60)


# The node's private name (lore-HEX.localhost:PORT), which lore web's address names: cookies are
# per host, not per port, so the interface is never served under a name other servers share.
HOST = webhttp.web_host(LORE, HOME)
LABEL = HOST.split(".")[0]
if not re.fullmatch(r"lore-[0-9a-f]{10}\.localhost:%d" % PORT, HOST):
    fail("lore web's address names %r, not lore-HEX.localhost:%d" % (HOST, PORT))
ORIGIN = "http://" + HOST
SHARED = ["127.0.0.1:%d" % PORT, "localhost:%d" % PORT, "[::1]:%d" % PORT]


def request(method, path, headers=None, body=None, host=HOST):
    """One request on a fresh connection: (status, headers dict lower-cased, body text)."""
    return webhttp.request(PORT, method, path, headers, body, host)


def check_headers(h, what):
    want = {"content-security-policy": CSP, "x-frame-options": "DENY",
            "x-content-type-options": "nosniff", "cache-control": "no-store"}
    for k, v in want.items():
        if h.get(k) != v:
            fail("%s: %s is %r, not %r" % (what, k, h.get(k), v))
    if "referrer-policy" not in h:
        fail("%s: no Referrer-Policy" % what)


def login_url():
    r = lore("web", "--json")
    if r.returncode != 0:
        fail("lore web: " + r.stderr)
    return urllib.parse.urlsplit(json.loads(r.stdout)["url"])


def login():
    u = login_url()
    st, h, _ = request("GET", u.path + "?" + u.query)
    if st != 303 or h.get("location") != "/":
        fail("login: %d, Location %r" % (st, h.get("location")))
    m = re.match(r"lore_session=([0-9a-f]{64}); Path=/; HttpOnly; SameSite=Strict$",
                 h.get("set-cookie", ""))
    if not m:
        fail("login: Set-Cookie %r" % h.get("set-cookie"))
    return "lore_session=" + m.group(1)


def csrf_of(html):
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    if not m:
        fail("no CSRF token in the page")
    return m.group(1)


# --- without a session, every route answers 401 and says to run lore web
for method, path in [("GET", "/"), ("GET", "/ask"), ("GET", "/search?q=x"), ("GET", "/q/abcd"),
                     ("GET", "/events"), ("GET", "/nope"), ("POST", "/ask"),
                     ("POST", "/static/lore.css"), ("GET", "/static/lore.css/x")]:
    st, h, body = request(method, path, {"Content-Type": "application/x-www-form-urlencoded"}
                          if method == "POST" else None, "title=x" if method == "POST" else None)
    if st != 401 or "lore web" not in body:
        fail("%s %s without a session: %d" % (method, path, st))
    check_headers(h, "401 of " + path)
st, _, _ = request("GET", "/", {"Cookie": "lore_session=" + "0" * 64})
if st != 401:
    fail("a made-up session cookie: %d" % st)
ok("no session: 401 on every route (a made-up cookie too), with the page saying to run lore web")

# --- the static files hold nothing private: served without a session (the 401 page's favicon)
for path, kind in [("/static/lore.css", "text/css"), ("/static/lore.js", "text/javascript"),
                   ("/favicon.ico", "image/svg+xml")]:
    st, h, body = request("GET", path)
    if st != 200 or not h.get("content-type", "").startswith(kind) or "set-cookie" in h or \
            len(body) < 100:
        fail("%s without a session: %d %r" % (path, st, h.get("content-type")))
    check_headers(h, path)
    st, _, _ = request("GET", path, host=SHARED[0])
    if st != 421:
        fail("%s at %s: %d" % (path, SHARED[0], st))
ok("lore.css, lore.js and the favicon are served without a session (and only at our name)")

# --- our name only: the names every loopback server shares get a page, never a cookie
u = login_url()
for shared in SHARED:
    for path in ["/", "/ask", u.path + "?" + u.query]:
        st, h, body = request("GET", path, host=shared)
        if st != 421 or "set-cookie" in h or "lore web" not in body or LABEL in body:
            fail("GET %s with Host %s: %d %r" % (path[:20], shared, st, h.get("set-cookie")))
        check_headers(h, "421 of " + shared)
st, h, _ = request("GET", u.path + "?" + u.query)
m = re.fullmatch(r"lore_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict",
                 h.get("set-cookie", ""))
if st != 303 or not m:
    fail("the login address at our name after the shared ones: %d %r" % (st, h.get("set-cookie")))
ok("127.0.0.1, localhost and [::1] with our port: 421, a page saying to run lore web (not our "
   "name), no cookie, the login token unspent; at our name it logs in, the cookie host-only")

# --- login tokens: wrong ones refused; a one-time token works once; the file's token works
for bad in ["0" * 64, "zz", "", "0" * 63, "0" * 65]:
    st, h, _ = request("GET", "/login?token=" + bad)
    if st != 401 or "set-cookie" in h:
        fail("login with token %r: %d" % (bad, st))
u = login_url()
st, h, _ = request("GET", u.path + "?" + u.query)
if st != 303 or "set-cookie" not in h:
    fail("the one-time token did not log in: %d" % st)
st, h, _ = request("GET", u.path + "?" + u.query)
if st != 401 or "set-cookie" in h:
    fail("the one-time token logged in twice: %d" % st)
with open(os.path.join(HOME, "data", "identity", "web_token")) as f:
    token = f.read().strip()
st, h, _ = request("GET", "/login?token=" + token)
if st != 303 or "set-cookie" not in h:
    fail("the file's token did not log in: %d" % st)
ok("wrong tokens get 401; a one-time token logs in once; the token file's token logs in")

cookie = login()
st, h, home = request("GET", "/", {"Cookie": cookie})
if st != 200 or "Your inbox" not in home:
    fail("home with a session: %d" % st)
check_headers(h, "home")
csrf = csrf_of(home)
st, h, css = request("GET", "/static/lore.css", {"Cookie": cookie})
if st != 200 or not h.get("content-type", "").startswith("text/css") or "body{" not in css:
    fail("lore.css: %d %r" % (st, h.get("content-type")))
check_headers(h, "lore.css")
ok("a session cookie (HttpOnly, SameSite=Strict) opens the home page and the CSS; headers set")

# --- the Host header must name us (DNS rebinding)
for host in ["evil.example:%d" % PORT, "127.0.0.1:%d" % (PORT + 1), "127.0.0.1",
             "localhost.evil.example:%d" % PORT, None, HOST.split(":")[0],
             "lore-0000000000.localhost:%d" % PORT, "x." + HOST, HOST + "0",
             HOST.replace(".localhost", ".localhost.evil.example")] + SHARED:
    st, h, _ = request("GET", "/", {"Cookie": cookie}, host=host)
    if st not in (421, 400):
        fail("Host %r: %d" % (host, st))
for host in [HOST, HOST.upper()]:
    st, _, _ = request("GET", "/", {"Cookie": cookie}, host=host)
    if st != 200:
        fail("Host %r: %d" % (host, st))
ok("a Host other than our private name and port is refused (421), 127.0.0.1 and another label "
   "too; %s is served" % HOST)

# --- POST: the session's CSRF token and our own Origin, else 403
FORM = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}


def ask_body(title, token=None, **more):
    fields = {"title": title, "tags": "web, printing"}
    if token is not None:
        fields["csrf"] = token
    fields.update(more)
    return urllib.parse.urlencode(fields)


cases = [
    ("no CSRF token", dict(FORM, Origin=ORIGIN), ask_body("no token")),
    ("a wrong CSRF token", dict(FORM, Origin=ORIGIN), ask_body("wrong", "1" * 64)),
    ("a foreign Origin", dict(FORM, Origin="http://evil.example"), ask_body("evil", csrf)),
    ("Origin null", dict(FORM, Origin="null"), ask_body("null", csrf)),
    ("another port's Origin", dict(FORM, Origin="http://%s.localhost:%d" % (LABEL, PORT + 1)),
     ask_body("port", csrf)),
    ("the shared loopback Origin", dict(FORM, Origin="http://127.0.0.1:%d" % PORT),
     ask_body("port", csrf)),
    ("neither Origin nor Referer", dict(FORM), ask_body("none", csrf)),
    ("a foreign Referer", dict(FORM, Referer="http://evil.example/"), ask_body("ref", csrf)),
]
for what, headers, body in cases:
    st, h, _ = request("POST", "/ask", headers, body)
    if st != 403:
        fail("POST /ask with %s: %d" % (what, st))
    check_headers(h, "403")
# The learning forms (issue 16) sit behind the same check: without the token, or from another
# Origin, 403 and no goal set, ended or thanked.
for path, fields in [("/learn", {"tags": "csrftest"}), ("/learn/done", {"tag": "csrftest"}),
                     ("/learn/drop", {"tag": "csrftest"}), ("/learn/thank", {"entry": "ab" * 32}),
                     ("/circle/csrftest/meet", {"title": "x", "at": "2030-01-01T10:00",
                                                "where": "x"})]:
    for headers, token in [(dict(FORM, Origin=ORIGIN), None),
                           (dict(FORM, Origin="http://evil.example"), csrf)]:
        body = dict(fields, **({"csrf": token} if token else {}))
        st, h, _ = request("POST", path, headers, urllib.parse.urlencode(body))
        if st != 403:
            fail("POST %s with %s: %d" % (path, "no token" if token is None else "a foreign "
                                          "Origin", st))
r = lore("learn", "--all", "--json")
if r.returncode != 0 or json.loads(r.stdout)["goals"]:
    fail("a refused POST set a learning goal: %s %s" % (r.stdout, r.stderr))
r = lore("list", "--json")
if any(e["title"] in ("no token", "wrong", "evil", "null", "port", "none", "ref")
       for e in json.loads(r.stdout)["entries"]):
    fail("a refused POST posted a question")
st, h, _ = request("POST", "/ask", dict(FORM, Origin=ORIGIN),
                   ask_body("How do I print from the web?", csrf, body="Plain *text*."))
if st != 303 or not re.match(r"^/q/[0-9a-f]{64}$", h.get("location", "")):
    fail("POST /ask with token and Origin: %d %r" % (st, h.get("location")))
qid = h["location"][3:]
r = lore("show", qid, "--json")
if r.returncode != 0 or json.loads(r.stdout)["entry"]["title"] != "How do I print from the web?":
    fail("the question asked on the web is not in the replica")
st, h, _ = request("POST", "/ask", dict(FORM, Referer=ORIGIN + "/ask"),
                   ask_body("Asked with a Referer", csrf))
if st != 303:
    fail("POST /ask with token and our Referer: %d" % st)
st, _, page = request("POST", "/q/%s/answer" % qid, dict(FORM, Origin=ORIGIN),
                      urllib.parse.urlencode({"csrf": csrf, "body": "Use **lore**."}))
if st != 303:
    fail("POST answer: %d" % st)
st, _, page = request("GET", "/q/" + qid, {"Cookie": cookie})
if st != 200 or "<strong>lore</strong>" not in page or "<em>text</em>" not in page:
    fail("the question page does not show the question and its answer: %d" % st)
ok("POST without the CSRF token, or with a foreign/null/missing Origin: 403, nothing posted "
   "(/ask; /learn, /learn/done, /learn/drop, /learn/thank, /circle/TAG/meet: no goal set); "
   "with both: asked and answered")

# --- hostile content renders inert
hostile = ("<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
           "[click](javascript:alert(3))\n\n<iframe src=\"http://evil.example/\"></iframe>\n\n"
           "<a href=\"javascript:alert(4)\">raw</a> and [ok](https://example.org/)\n")
r = lore("ask", "<script>alert(5)</script> title", "--tag", "printing", "--body", hostile)
if r.returncode != 0:
    fail("lore ask hostile: " + r.stderr)
hid = r.stdout.strip().splitlines()[-1]
st, _, page = request("GET", "/q/" + hid, {"Cookie": cookie})
if st != 200:
    fail("hostile question page: %d" % st)
main = page[page.index("<main>"):]
for bad in ["<script", "<iframe", "<img", "onerror", "javascript:"]:
    if bad in main.lower():
        fail("%r survived into the page: %s" % (bad, main))
if "&lt;script&gt;alert(5)&lt;/script&gt; title" not in page:
    fail("the title is not escaped")
if '<a href="https://example.org/">ok</a>' not in main:
    fail("a plain link was lost")
ok("<script>, <img onerror>, javascript: links and <iframe> in a body render inert; "
   "the title is escaped")

# --- search marks the matches
st, _, page = request("GET", "/search?q=print", {"Cookie": cookie})
if st != 200 or "How do I <mark>print</mark> from the web?" not in page:
    fail("search: %d" % st)
ok("search finds the question and marks the match")

# --- limits: body, headers
big = "csrf=%s&title=%s" % (csrf, "x" * 400000)
st, _, _ = request("POST", "/ask", dict(FORM, Origin=ORIGIN), big)
if st != 413:
    fail("a 400 KB form: %d" % st)
try:
    hst, _, _ = request("GET", "/", {"Cookie": cookie, "X-Big": "y" * 70000})
except (ConnectionError, http.client.HTTPException):
    hst = "closed"
if hst not in (431, 413, 400, "closed"):
    fail("a 70 KB header: %r" % hst)
st, _, _ = request("DELETE", "/", {"Cookie": cookie})
if st != 405:
    fail("DELETE: %d" % st)
ok("a 400 KB body: 413; a 70 KB header: %s; DELETE: 405" % hst)

# --- a flood of connections leaves the CLI responsive, and the web serves again afterwards
socks = []
for _ in range(500):
    try:
        socks.append(socket.create_connection(("127.0.0.1", PORT), timeout=5))
    except OSError:
        break
for s in socks[: len(socks) // 2]:
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n")  # never finished
    except OSError:
        pass
t0 = time.monotonic()
r = lore("status", "--json")
took = time.monotonic() - t0
if r.returncode != 0:
    fail("lore status during the flood: " + r.stderr)
print("   (lore status answered in %d ms with %d connections open)" % (took * 1000, len(socks)))
for s in socks:
    s.close()
deadline = time.monotonic() + 60
while True:
    try:
        st, _, _ = request("GET", "/", {"Cookie": cookie})
        if st == 200:
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        fail("the web interface did not serve again after the flood")
    time.sleep(0.2)
ok("%d connections at once: lore status answers; afterwards the web serves again" % len(socks))

# --- logout ends the session
st, _, _ = request("POST", "/logout", dict(FORM, Origin=ORIGIN), "csrf=" + csrf)
if st != 401:
    fail("logout: %d" % st)
st, _, _ = request("GET", "/", {"Cookie": cookie})
if st != 401:
    fail("the session outlived logout: %d" % st)
ok("logout ends the session")
