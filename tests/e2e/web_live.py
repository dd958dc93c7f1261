#!/usr/bin/env python3
"""The web interface's live parts and the question page's actions, with a plain HTTP client
(web_live.sh runs it against node A, in a team with node B).

usage: web_live.py PORT LORE LORE_HOME_A LORE_HOME_B LORED_PID_A [hold]
(hold: only hold an event stream open until the node closes it)
Prints one "ok" line per check; exits 1 at the first failure.
"""
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
LORE = sys.argv[2]
HOME_A, HOME_B = sys.argv[3], sys.argv[4]
PID_A = int(sys.argv[5])
HOST = webhttp.web_host(LORE, HOME_A)
ORIGIN = "http://" + HOST
FORM = "application/x-www-form-urlencoded"
ok = webhttp.checker("live")


def lore(home, *args):
    env = dict(os.environ, LORE_HOME=home)
    r = subprocess.run([LORE, *args], env=env, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("lore %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


def request(method, path, cookie=None, form=None, origin=True):
    """One request on a fresh connection, with a session cookie and a form (posted with our
    Origin unless origin is False): (status, headers lower-cased, body text)."""
    headers = {"Cookie": cookie} if cookie else {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form)
        headers["Content-Type"] = FORM
        if origin:
            headers["Origin"] = ORIGIN
    return webhttp.request(PORT, method, path, headers, data, HOST)


def until(seconds, what, fn):
    """Poll fn until it returns something true; that value."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    fail("timed out: " + what)


def login():
    u = urllib.parse.urlsplit(json.loads(lore(HOME_A, "web", "--json"))["url"])
    st, h, _ = request("GET", u.path + "?" + u.query)
    m = re.match(r"(lore_session=[0-9a-f]{64});", h.get("set-cookie", ""))
    if st != 303 or not m:
        fail("login: %d %r" % (st, h))
    return m.group(1)


class Stream:
    """GET /events on a raw socket, its chunked body decoded here: a read that times out loses
    nothing (http.client's would poison its file object)."""

    def __init__(self, cookie):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
        self.s.sendall(("GET /events HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\n"
                        "Accept: text/event-stream\r\n\r\n" % (HOST, cookie)).encode())
        self.raw = b""  # bytes received, not yet decoded
        self.buf = b""  # the body, decoded, not yet split into frames
        self.eof = False
        while b"\r\n\r\n" not in self.raw:
            self._recv(30)
            if self.eof:
                fail("/events: the connection closed before its headers")
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, v in
                        (line.split(":", 1) for line in lines[1:])}
        if self.headers.get("transfer-encoding") != "chunked":
            fail("/events is not chunked: %r" % self.headers)

    def _recv(self, seconds):
        self.s.settimeout(seconds)
        try:
            data = self.s.recv(65536)
            if data == b"":
                self.eof = True
            self.raw += data
        except (socket.timeout, TimeoutError):
            pass
        except ConnectionError:
            self.eof = True

    def _dechunk(self):
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.eof = True  # the last chunk: the node ended the stream
                self.raw = b""
                return
            if len(rest) < size + 2:
                return
            self.buf += rest[:size]
            self.raw = rest[size + 2:]

    def frames(self, seconds):
        """Frames (event name, data text) arriving within seconds; comments as ('', text)."""
        self._recv(seconds)
        self._dechunk()
        out = []
        while b"\n\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n\n", 1)
            name, data = "", ""
            for line in raw.decode().split("\n"):
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data += line[6:]
                elif line.startswith(":"):
                    data += line
            out.append((name, data))
        return out

    def wait_for(self, seconds, what, pred):
        end = time.monotonic() + seconds
        seen = []
        while time.monotonic() < end:
            for name, data in self.frames(max(0.1, end - time.monotonic())):
                if pred(name, data):
                    return name, data
                seen.append("%s %s" % (name, data[:160]))
            if self.eof:
                fail("the event stream closed while waiting for " + what)
        fail("no event within %d s: %s; seen: %s" % (seconds, what, "\n".join(seen)))

    def close(self):
        self.s.close()


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


if len(sys.argv) > 6 and sys.argv[6] == "hold":
    # Hold a stream open (waiting, suspended) and say so; exit when the node closes it.
    held = Stream(login())
    held.wait_for(10, "the opening comment", lambda n, d: d.startswith(":"))
    print("open", flush=True)
    end = time.monotonic() + 60
    while not held.eof and time.monotonic() < end:
        held.frames(1)
    print("closed", flush=True)
    sys.exit(0)

cookie = login()
st, h, home = request("GET", "/", cookie)
csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', home).group(1)

# --- the script: served by the node, with its type; every page loads it
st, h, js = request("GET", "/static/lore.js", cookie)
if st != 200 or not h.get("content-type", "").startswith("text/javascript"):
    fail("/static/lore.js: %d %s" % (st, h.get("content-type")))
if "EventSource('/events')" not in js or "eval(" in js:
    fail("/static/lore.js is not the script")
for path in ["/", "/ask", "/search?q=x"]:
    if '<script src="/static/lore.js" defer></script>' not in request("GET", path, cookie)[2]:
        fail(path + " does not load /static/lore.js")
ok("/static/lore.js is served as text/javascript and every page loads it (defer)")

# --- the event stream: its type and first bytes
ev = Stream(cookie)
if ev.status != 200 or not ev.headers.get("content-type", "").startswith("text/event-stream"):
    fail("/events: %d %r" % (ev.status, ev.headers))
if "content-security-policy" not in ev.headers:
    fail("/events has no CSP")
ev.wait_for(10, "the stream's opening comment", lambda n, d: d.startswith(":"))
st, _, _ = request("GET", "/events")
if st != 401:
    fail("/events without a session: %d" % st)
ok("GET /events: 200 text/event-stream with the usual headers; 401 without a session")

# --- ask from the browser; the question reaches B; B answers from its CLI; the event comes
st, h, _ = request("POST", "/ask", cookie, {"csrf": csrf, "title": "Why does the printer jam",
                                            "body": "every *morning*", "tags": "printing"})
if st != 303 or not re.match(r"^/q/[0-9a-f]{64}$", h.get("location", "")):
    fail("ask: %d %r" % (st, h.get("location")))
qid = h["location"][3:]
ev.wait_for(10, "my own question", lambda n, d: n == "entry" and json.loads(d)["entry"]["id"] == qid)
until(30, "the question on B", lambda: subprocess.run(
    [LORE, "show", qid], env=dict(os.environ, LORE_HOME=HOME_B), capture_output=True).returncode == 0)
t0 = time.monotonic()
aid = lore(HOME_B, "answer", qid, "--body", "Open tray 2 and pull the *roller*.").strip().split()[-1]
name, data = ev.wait_for(30, "B's answer", lambda n, d: n == "entry" and
                         json.loads(d)["entry"]["kind"] == "answer" and
                         json.loads(d)["entry"]["refs"] == [qid])
e = json.loads(data)
aid = e["entry"]["id"]
if e.get("for_you") is not True or e.get("reason") != "answered your question":
    fail("the answer's event: %s" % data)
ok("an answer from node B's CLI reached A's event stream %.2f s after the CLI returned, as event: entry, for me"
   % (time.monotonic() - t0))

# --- the question page and its fragment (the contract's markup)
st, _, page = request("GET", "/q/" + qid, cookie)
st2, h2, frag = request("GET", "/q/%s/answers" % qid, cookie)
if st2 != 200 or not frag.startswith('<section id="answers" data-question="%s"' % qid):
    fail("/q/ID/answers: %d %s" % (st2, frag[:200]))
if frag not in page:
    fail("the fragment is not the page's own #answers")
for want in ['<article class="answer" id="a-%s">' % aid, 'action="/q/%s/accept"' % qid,
             'name="answer" value="%s"' % aid, '<button name="accept"', "<em>roller</em>"]:
    if want not in frag:
        fail("the fragment lacks %r" % want)
if 'form class="answer-form"' not in page or 'textarea id="body" name="body"' not in page:
    fail("the question page has no answer form")
ok("/q/ID/answers is the page's #answers section: the answer as article#a-ID with its accept form")


def post_action(path, form, what):
    """The action refused without CSRF (403) and with a foreign Origin, then done (303)."""
    st, _, _ = request("POST", path, cookie, dict(form))
    if st != 403:
        fail("%s without CSRF: %d" % (what, st))
    st, _, _ = request("POST", path, cookie, dict(form, csrf="0" * 64))
    if st != 403:
        fail("%s with a wrong CSRF token: %d" % (what, st))
    st, h, body = request("POST", path, cookie, dict(form, csrf=csrf))
    if st != 303:
        fail("%s: %d %s" % (what, st, re.sub(r"<[^>]+>", " ", body)[-300:]))
    return h.get("location")


# --- each action: refused without CSRF, done with it, back to the question
back = "/q/" + qid
if post_action("/q/%s/accept" % qid, {"answer": aid}, "accept") != back:
    fail("accept did not go back to the question")
frag = request("GET", "/q/%s/answers" % qid, cookie)[2]
if '<article class="answer accepted" id="a-%s">' % aid not in frag or 'name="accept"' in frag:
    fail("after accept: " + frag[:400])
ok("accept: 403 without CSRF; done, the answer is article.answer.accepted")

post_action("/e/%s/vote" % aid, {"q": qid, "value": "up"}, "vote")
if "▲ 1" not in request("GET", "/q/%s/answers" % qid, cookie)[2]:
    fail("the vote does not show")
post_action("/e/%s/thank" % aid, {"q": qid}, "thank")
post_action("/e/%s/comment" % aid, {"q": qid, "body": "that *worked*"}, "comment")
post_action("/e/%s/flag" % aid, {"q": qid, "flag": "verified"}, "flag")
frag = request("GET", "/q/%s/answers" % qid, cookie)[2]
if "<em>worked</em>" not in frag or "Verified (1)" not in frag:
    fail("comment or flag does not show")
ok("vote, thank, comment, flag: each refused without CSRF, done with it, shown on the page")

st, _, form = request("GET", "/e/%s/edit?q=%s" % (qid, qid), cookie)
if st != 200 or 'action="/e/%s/edit"' % qid not in form or "every *morning*" not in form:
    fail("the edit form: %d" % st)
post_action("/e/%s/edit" % qid, {"q": qid, "title": "Why does the printer jam at 9",
                                 "body": "every *morning*\nand at noon", "tags": "printing"}, "edit")
st, _, hist = request("GET", "/e/%s/edit?q=%s" % (qid, qid), cookie)
if "History (2 versions)" not in hist or "<ins>+and at noon</ins>" not in hist:
    fail("the history: " + hist[hist.find("History"):][:600])
if "printer jam at 9" not in request("GET", back, cookie)[2]:
    fail("the edited title does not show")
ok("edit: the form, then the edit; the history shows both versions and the diff")

page = request("GET", back, cookie)[2]
if 'action="/e/%s/pin"' % qid not in page:
    fail("no pin button for the team's admin")
post_action("/e/%s/pin" % qid, {"q": qid}, "pin")
if "Unpin" not in request("GET", back, cookie)[2]:
    fail("the pin does not show")
if 'action="/e/%s/pin"' % aid not in request("GET", "/q/%s/answers" % qid, cookie)[2]:
    fail("no pin button on the answer")
ok("pin (an admin: the button shows): done, the page offers Unpin")

st, _, body = request("POST", "/e/%s/vote" % qid, cookie, {"csrf": csrf, "q": qid, "value": "up"})
if st != 400 or 'class="error"' not in body or "own" not in body:
    fail("a refused vote: %d %s" % (st, body[-300:]))
st, _, body = request("POST", "/e/%s/vote" % ("ab" * 32), cookie,
                      {"csrf": csrf, "q": qid, "value": "up"})
if st != 404 or "<title>Your vote was not counted · lore</title>" not in body or \
        "/q/" + qid not in body:
    fail("a vote on no entry: %d %s" % (st, body[:300]))
ok("an op's refusal (a vote on my own question) is a page with its message (400), not a 500; "
   "on an entry that is not there, 404 (web_done's codes), titled with what was not done")

st, h, _ = request("POST", "/ask", cookie, {"csrf": csrf, "title": "Scratch question, to retract"})
rid = h["location"][3:]
if post_action("/e/%s/retract" % rid, {"q": rid}, "retract") != "/":
    fail("retracting a question did not go home")
if request("GET", "/q/" + rid, cookie)[0] != 404:
    fail("the retracted question is still served")
ok("retract: refused without CSRF; done, home, and the question is gone")

# --- the ask form's hints
st, h, body = request("GET", "/tags?prefix=pri", cookie)
if st != 200 or h.get("content-type") != "application/json" or \
        {"tag": "printing", "count": 1} not in json.loads(body)["tags"]:
    fail("/tags: %d %s" % (st, body))
st, h, body = request("GET", "/similar?title=" + urllib.parse.quote("printer jam again"), cookie)
if st != 200 or qid not in [r["id"] for r in json.loads(body)["results"]]:
    fail("/similar: %d %s" % (st, body))
st, h, body = request("POST", "/preview", cookie,
                      {"csrf": csrf, "body": "*hi* <script>alert(1)</script>"})
if st != 200 or "<em>hi</em>" not in body or "<script" in body:
    fail("/preview: %d %s" % (st, body))
if request("POST", "/preview", cookie, {"body": "x"})[0] != 403:
    fail("/preview without CSRF")
ok("/tags (JSON), /similar (JSON), /preview (safe HTML; 403 without CSRF)")

# --- bounds: a session's 9th stream ends its oldest
more = [Stream(cookie) for _ in range(8)]
end = time.monotonic() + 20
while not ev.eof and time.monotonic() < end:
    ev.frames(1)
if not ev.eof:
    fail("the oldest of 9 streams of one session was not ended")
for s in more:
    s.wait_for(10, "the opening comment", lambda n, d: d.startswith(":"))
ok("a session's 9th event stream ends its oldest (8 at most)")

# --- an idle stream costs nothing: the node's CPU while it waits
idle = more[-1]
seconds = float(os.environ.get("WEB_LIVE_IDLE_S", "15"))
hz = os.sysconf("SC_CLK_TCK")
t0, c0 = time.monotonic(), cpu_ticks(PID_A)
while time.monotonic() - t0 < seconds:
    for name, data in idle.frames(1):
        pass
    if idle.eof:
        fail("the idle stream closed")
used = (cpu_ticks(PID_A) - c0) / hz
wall = time.monotonic() - t0
print("   (lored used %.2f s of CPU in %.1f s with 8 idle event streams open: %.1f%%)"
      % (used, wall, 100 * used / wall))
if used / wall > 0.05:
    fail("lored busy while streams wait: %.2f s CPU in %.1f s" % (used, wall))
ok("idle event streams cost no CPU (%.2f s in %.0f s)" % (used, wall))
for s in more:
    s.close()



def ends(stream, seconds, what):
    """Fail unless the node ends stream within seconds (keep-alives and events may come first)."""
    end = time.monotonic() + seconds
    while not stream.eof and time.monotonic() < end:
        stream.frames(0.5)
    if not stream.eof:
        fail("%s: its event stream stayed open %d s" % (what, seconds))


# --- a session that ends takes its streams with it at once: logged out, or evicted by newer ones
gone = login()
st, _, page = request("GET", "/", gone)
gone_csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
out = Stream(gone)
out.wait_for(10, "the opening comment", lambda n, d: d.startswith(":"))
st, _, _ = request("POST", "/logout", gone, {"csrf": gone_csrf})
if st != 401:
    fail("logout: %d" % st)
ends(out, 10, "a logged-out session")
old = login()
evicted = Stream(old)
evicted.wait_for(10, "the opening comment", lambda n, d: d.startswith(":"))
for _ in range(32):  # WEB_AUTH_SESSIONS newer sessions: the oldest one goes
    login()
if request("GET", "/", old)[0] != 401:
    fail("the oldest session outlived 32 newer ones")
ends(evicted, 10, "an evicted session")
ok("logout and eviction (32 newer sessions) end the session's event streams at once")
