#!/usr/bin/env python3
"""Every page of the web interface with a session, and the forms behind them (web_pages.sh).

usage: web_pages.py PORT_A HOME_A PORT_B HOME_B LORE
Node A (Ann) is the team's admin, node B (Bob) a member; a question tagged vpn is there.
Prints one "ok" line per check; exits 1 at the first failure.
"""
import datetime
import json
import re
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from web_client import Client  # noqa: E402
from webhttp import checker, fail  # noqa: E402

PORT_A, HOME_A, PORT_B, HOME_B, LORE = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
ok = checker("pages")


def until(what, fn, limit=30):
    start = time.time()
    while not fn():
        if time.time() - start > limit:
            fail("timed out: " + what)
        time.sleep(0.2)


def page(c, path, *needles, status=200):
    """GET path: the status, the title, the nav, and each needle (a regex) in the HTML."""
    st, h, html = c.get(path)
    if st != status:
        fail("GET %s: %d, not %d\n%s" % (path, st, status, html[:2000]))
    if not h.get("content-type", "").startswith("text/html"):
        fail("GET %s: Content-Type %r" % (path, h.get("content-type")))
    if not re.search(r"<title>[^<]+ · lore</title>", html):
        fail("GET %s: no 'PAGE · lore' title" % path)
    for link in ("/people", "/sessions", "/learn", "/needs", "/stats", "/top", "/team"):
        if 'href="%s"' % link not in html:
            fail("GET %s: no nav link to %s" % (path, link))
    for n in needles:
        if not re.search(n, html, re.S):
            fail("GET %s: no %r in\n%s" % (path, n, html[:4000]))
    return html


def posted(c, path, back=None, **fields):
    st, h, html = c.post(path, **fields)
    if st != 303 or (back is not None and h.get("location") != back):
        fail("POST %s %r: %d %r\n%s" % (path, fields, st, h.get("location"), html[:2000]))


a = Client(PORT_A, HOME_A, LORE)
b = Client(PORT_B, HOME_B, LORE)
ann = json.loads(a.lore("status", "--json").stdout)["public_key"]
bob = json.loads(b.lore("status", "--json").stdout)["public_key"]

# --- people: the list, profiles, my skills, endorsing, who knows
page(a, "/people", r'<table class="people">', r'href="/p/%s">Bob</a>' % bob,
     r'href="/p/%s">Ann</a> <span class="me">' % ann)
page(a, "/p/me", r"<h1>Ann</h1>", r'<form class="skill-add"', r'<form class="mentor-offer"')
page(a, "/p/" + bob, r"<h1>Bob</h1>", r'<form class="endorse" action="/p/%s/endorse"' % bob,
     r'<form class="mentor-request"')
page(a, "/p/" + "0" * 64, "No such person", status=404)
posted(a, "/skills", "/p/me", tag="vpn", level="4")
page(a, "/p/me", r'href="/t/vpn">vpn</a> <span class="level">\(level 4, 0 endorsements\)',
     r'<form class="skill-remove".*?value="vpn"><button>Remove vpn')
posted(a, "/skills/remove", "/p/me", tag="vpn")
if "skill-remove" in a.get("/p/me")[2]:
    fail("the removed skill is still offered for removal")
st, _, html = a.post("/skills/remove", tag="nosuchskill")
if st != 400 or 'class="error"' not in html:
    fail("removing a skill I do not have: %d" % st)
posted(a, "/p/%s/endorse" % bob, "/p/" + bob, tag="vpn")
page(a, "/p/" + bob, r'href="/t/vpn">vpn</a> <span class="level">\(1 endorsement\)')
page(a, "/who?topic=vpn", r'<ol class="people">', r'href="/p/%s">Bob</a>' % bob,
     r'class="why">[^<]*answer')
page(a, "/who", r'<form class="who"')
ok("people: list with skills, profiles (mine with forms, theirs with endorse), add and remove a "
   "skill, endorse, who-knows with reasons")

# --- mentoring: an offer, found by tag; a request arrives at the mentor
posted(a, "/mentors/offer", "/p/me", tags="vpn, networks", body="Happy to pair on VPNs.")
page(a, "/p/me", r'<h2>Offers mentoring</h2>', r'action="/mentors/withdraw"')
page(a, "/mentors?tag=vpn", r'<ol class="mentors">', r'href="/p/%s">Ann</a>' % ann,
     r"Happy to pair on VPNs")
until("b sees Ann's offer", lambda: "Happy to pair" in b.get("/mentors?tag=vpn")[2])
posted(b, "/p/%s/mentor" % ann, "/p/" + ann, tag="vpn", body="Could you show me the VPN setup?")
st, _, _ = b.post("/p/%s/mentor" % bob, tag="vpn", body="myself")
if st != 400:
    fail("asking myself for mentoring: %d" % st)
until("a has Bob's request", lambda: "Requests to you" in a.get("/mentors")[2] and
      "ul class=\"entries\"" in a.get("/mentors")[2].split("Requests to you")[1])
ok("mentoring: offer, find by tag on both nodes, a request reaches the mentor's page")

# --- sessions: announce, list, RSVP, .ics
when = (datetime.datetime.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
posted(a, "/sessions", "/sessions", title="VPN clinic; bring laptops", at=when,
       where="Room 1, floor 2", tags="vpn", body="We fix *your* VPN.")
html = page(a, "/sessions", r'<ul class="sessions">', r"VPN clinic; bring laptops",
            r'<form class="rsvp"', r'<form class="announce"')
sid = re.search(r'id="s-([0-9a-f]{64})"', html).group(1)
st, _, _ = a.post("/sessions", title="In the past", at="2020-01-01T10:00")
if st != 400:
    fail("a session in the past: %d" % st)
st, _, _ = a.post("/sessions", title="No time", at="soon")
if st != 400:
    fail("a session without a time: %d" % st)
until("b sees the session", lambda: sid in b.get("/sessions")[2])
posted(b, "/s/%s/rsvp" % sid, "/sessions#s-" + sid, value="yes")
page(b, "/sessions", r"You said <strong>yes</strong>")
until("a counts Bob", lambda: "1 going" in a.get("/sessions")[2])
st, h, ics = a.get("/s/%s.ics" % sid)
if st != 200 or not h.get("content-type", "").startswith("text/calendar"):
    fail(".ics: %d %r" % (st, h.get("content-type")))
lines = ics.split("\r\n")
if lines[0] != "BEGIN:VCALENDAR" or lines[-1] != "" or "\n" in ics.replace("\r\n", ""):
    fail(".ics lines: %r" % ics[:300])
for want in ["UID:%s@lore" % sid, "SUMMARY:VPN clinic\\; bring laptops",
             "LOCATION:Room 1\\, floor 2", "CATEGORIES:vpn", "STATUS:CONFIRMED"]:
    if want not in lines:
        fail(".ics has no line %r:\n%s" % (want, ics))
start = [x for x in lines if x.startswith("DTSTART:")][0]
utc = datetime.datetime.strptime(start, "DTSTART:%Y%m%dT%H%M%SZ").replace(
    tzinfo=datetime.timezone.utc)
if utc != datetime.datetime.strptime(when, "%Y-%m-%dT%H:%M").astimezone(datetime.timezone.utc):
    fail(".ics DTSTART %s is not %s local" % (start, when))
if any(len(x.encode()) > 75 for x in lines):
    fail(".ics has a line over 75 octets")
page(a, "/sessions?all=1", r"<h1>All sessions</h1>", r"VPN clinic")
a_status = a.get("/s/%s.ics" % ("f" * 64))[0]
if a_status != 404:
    fail(".ics of no session: %d" % a_status)
ok("sessions: announce (local time), list on both nodes, RSVP, .ics (UID, UTC DTSTART, escaped "
   "text, CRLF, ≤ 75 octets); a past or missing time refused")

# --- stats and the leaderboard
page(a, "/stats", r"<h1>Stats</h1>", r'<svg class="chart"[^>]*role="img"',
     r"<text[^>]*>vpn</text>", r'<table class="needs">', r'<dl class="stats">')
page(a, "/stats?tag=vpn&days=30", r'name="days"[^>]*value="30"')
page(a, "/top", r"<h1>Leaderboard</h1>", r'<table class="top">|No points yet')
ok("stats with the SVG needs chart and its table; the leaderboard")

# --- tags and search filters
page(a, "/t/vpn", r'<ul class="entries">', r'href="/q/[0-9a-f]{64}">How do I reach the VPN',
     r'href="/who\?topic=vpn"')
page(a, "/t/nosuchtag", r"Nothing has this tag yet")
page(a, "/t/%3Cb%3E%20x", r"<h1>Tagged <span class=\"tag\">&lt;b&gt; x</span>", r'class="error"')
page(a, "/search?q=vpn", r'<ol class="results">\s*<li>.*?<a href="/q/[0-9a-f]{64}">')
page(a, "/search?q=vpn&kind=question&tag=vpn&author=Ann&status=answered",
     r'<ol class="results">.*How do I reach the VPN', r'<option selected>question</option>',
     r'<option selected>answered</option>')
page(a, "/search?q=vpn&status=resolved", r"Nothing matches")
page(a, "/search?q=vpn&author=Bob&kind=question", r"Nothing matches")
page(a, "/search?tag=vpn&kind=question", r'<ol class="results">.*How do I reach the VPN')
page(a, "/search?q=vpn&since=2020-01-01", r'<ol class="results">')
page(a, "/search?q=vpn&since=%s" % (datetime.date.today() + datetime.timedelta(days=3)),
     r"Nothing matches")
page(a, "/search?q=vpn&since=yesterday", r'class="error"[^>]*>since is not a date')
ok("tag pages; search filters kind, tag, author, status, since (and filters without words)")

# --- team: the admin sees the code and the forms; a member does not, and is refused
code = json.loads(a.lore("team", "show", "--json").stdout)["team"]["code"]
page(a, "/team", r'<table class="members">', r'<code class="join-code">%s</code>' % code,
     r'<form class="rotate"', r'<form class="revoke".*?value="%s"' % bob, r'<table class="peers">',
     r"Peers up")
html = page(b, "/team", r'<table class="members">', r"ask a team admin")
if "join-code" in html or 'class="rotate"' in html or 'class="revoke"' in html:
    fail("a member's /team shows the code or admin forms")
for path, fields in [("/team/rotate", {}), ("/team/revoke", {"who": ann})]:
    st, _, html = b.post(path, confirm="yes", **fields)
    if st != 403 or "only a team admin" not in html:
        fail("a member's POST %s: %d" % (path, st))
if json.loads(a.lore("team", "show", "--json").stdout)["team"]["code"] != code:
    fail("the code changed after a member's refused rotate")
st, _, html = a.post("/team/rotate")
if st != 200 or '<form class="confirm"' not in html or 'name="confirm" value="yes"' not in html:
    fail("rotate without confirmation: %d" % st)
if json.loads(a.lore("team", "show", "--json").stdout)["team"]["code"] != code:
    fail("rotate ran without confirmation")
posted(a, "/team/rotate", "/team", confirm="yes")
new = json.loads(a.lore("team", "show", "--json").stdout)["team"]["code"]
if new == code:
    fail("the confirmed rotate did not change the code")
page(a, "/team", r'<code class="join-code">%s</code>' % new)
ok("team: members, peers, sync; the admin sees the code and rotates after confirming; a member "
   "sees neither and is refused (403)")

# --- home: Bob's answer on Ann's question is "new on your questions", with its reason; the
# team's news; an answer's own address leads to its place on the question page
qid = re.search(r'href="/q/([0-9a-f]{64})">How do I reach the VPN', a.get("/t/vpn")[2]).group(1)
aid = re.search(r'<article class="answer[^"]*" id="a-([0-9a-f]{64})"', a.get("/q/" + qid)[2])
if aid is None:
    fail("no answer on the question page")
aid = aid.group(1)
page(a, "/", r"<h1>Your inbox</h1>",
     r'<h2>New on your questions</h2>\s*<ul class="on-yours">\s*<li><span class="reason">answered '
     r'your question</span> on <a href="/q/%s">How do I reach the VPN from home\?</a>: '
     r'<a href="/q/%s">' % (qid, aid),
     r'<h2>Your questions</h2>\s*<ul class="entries">.*?href="/q/%s"' % qid,
     r'<h2>New in the team</h2>\s*<ul class="entries">.*?href="/q/%s"' % qid)
st, h, _ = a.get("/q/" + aid)
if st != 303 or h.get("location") != "/q/%s#a-%s" % (qid, aid):
    fail("an answer's address: %d %r, not 303 to its question" % (st, h.get("location")))
b.lore("comment", qid, "--body", "Which client version?")
until("a has Bob's comment", lambda: 'id="cm-' in a.get("/q/" + qid)[2])
cid = re.search(r'<li id="cm-([0-9a-f]{64})">', a.get("/q/" + qid)[2]).group(1)
st, h, _ = a.get("/q/" + cid)
if st != 303 or h.get("location") != "/q/%s#cm-%s" % (qid, cid):
    fail("a comment's address: %d %r, not 303 to its question" % (st, h.get("location")))
page(b, "/", r"<h1>Your inbox</h1>", r'<h2>New in the team</h2>\s*<ul class="entries">')
ok("home: inbox, new on my questions (reason, question, answer), my questions, the team's news; "
   "an answer's and a comment's address lead to their place on the question page")

# --- learning goals, circles, the needs map (issue 16)
posted(a, "/learn", "/learn", tags="vpn", why="I keep <b>breaking</b> the tunnel",
       until=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())
html = page(a, "/learn", r"<h1>Learning goals</h1>", r'<ul class="goals">\s*<li class="goal"><a '
            r'class="tag" href="/circle/vpn">vpn</a> <span class="status">active</span> until ',
            r"I keep &lt;b&gt;breaking&lt;/b&gt; the tunnel", r'action="/learn/done"',
            r'action="/learn/drop"', r'<section class="match"><h3>Help with',
            r"<h4>Experts</h4>\s*<ul class=\"people\">\s*<li><a href=\"/p/%s\">Bob</a>" % bob,
            r"<h4>Upcoming sessions</h4>\s*<ul class=\"sessions\">.*?VPN clinic")
for fields, why in [({"tags": "Not a tag!"}, "tag"), ({"tags": "vpn", "until": "soon"}, "date"),
                    ({"tags": "vpn", "until": "2020-01-01"}, "past")]:
    st, _, html = a.post("/learn", **fields)
    if st != 400 or 'class="error" role="alert"' not in html or '<form class="learn"' not in html:
        fail("POST /learn %r (%s): %d" % (fields, why, st))
page(a, "/circle/vpn", r"<h1>Learning circle <span class=\"tag\">vpn</span></h1>",
     r"You are a member", r'<h2>Members</h2>\s*<ul class="people">\s*<li><a href="/p/%s">Ann</a> <span '
     r'class="by">since [^<]+</span> <span class="why">I keep &lt;b&gt;' % ann,
     r'<form class="announce meet" action="/circle/vpn/meet"', r"<h2>Recent questions</h2>")
page(a, "/t/vpn", r'href="/circle/vpn">Learning circle</a>')
page(a, "/p/me", r"<h2>Learning</h2><ul class=\"goals\">", r'href="/circle/vpn">vpn</a>')
until("b sees Ann in the circle", lambda: 'href="/p/%s">Ann</a>' % ann in b.get("/circle/vpn")[2])
page(b, "/circle/vpn", r'<form class="join" action="/learn"', r"Members can propose")
page(b, "/p/" + ann, r'href="/circle/vpn">vpn</a> <span class="status">active</span>')
st, _, html = b.post("/circle/vpn/meet", title="Not mine", at=when, where="Here")
if st not in (400, 403) or "only a member" not in html:
    fail("a non-member proposing a circle meeting: %d\n%s" % (st, html[-800:]))
posted(a, "/circle/vpn/meet", "/circle/vpn", title="VPN circle: split tunnels", at=when,
       where="Room 3")
page(a, "/circle/vpn", r"VPN circle: split tunnels</a> <span class=\"status\">circle meeting")
page(a, "/circle/%3Cb%3E", r"No such circle", r"&lt;b&gt;", status=400)
html = page(a, "/needs", r"<h1>Needs map</h1>", r'<svg class="chart needs-map"[^>]*role="img"',
            r"<title id=\"needs-map-title\">", r'<table class="needs-map">',
            r'<th scope="row"><a href="/circle/vpn">vpn</a></th><td>1</td>')
page(a, "/stats", r'href="/needs">The needs map</a>')
# Done: who helped since the goal was set (Bob answers Ann's question on it), thanked.
q2 = a.lore("ask", "Split tunnel for the lab?", "--tag", "vpn").stdout.split()[-1]
until("b has the second question", lambda: b.lore("show", q2).returncode == 0)
b.lore("answer", q2, "--body", "Route only 10.0.0.0/8.")
until("a has Bob's answer", lambda: json.loads(a.lore("show", q2, "--json").stdout)["answers"])
st, _, html = a.post("/learn/done", tag="vpn")
if st != 200 or "Your goal is marked done" not in html:
    fail("POST /learn/done: %d\n%s" % (st, html[:2000]))
entry = re.search(r'<form class="thank" action="/learn/thank" method="post">.*?name="entry" '
                  r'value="([0-9a-f]{64})"><button>Thank Bob</button>', html)
if entry is None or '<form class="thank-all"' not in html:
    fail("no thank button for Bob after done:\n%s" % html[:3000])
st, _, html = a.post("/learn/done", tag="vpn")
if st != 400 or "no active learning goal" not in html:
    fail("done twice: %d" % st)
posted(a, "/learn/thank", "/learn?thanked=1", tag="vpn", entry=entry.group(1))
page(a, "/learn?thanked=1", r"Thanks sent: 1", r"<h2>Ended</h2>",
     r'href="/circle/vpn">vpn</a> <span class="status">done</span>')
for fields in [{"entry": "zz"}, {"entry": ""}, {}]:
    st, _, _ = a.post("/learn/thank", **fields)
    if st != 400:
        fail("POST /learn/thank %r: %d" % (fields, st))
posted(a, "/learn", "/learn", tags="wifi")
posted(a, "/learn/drop", "/learn", tag="wifi")
st, _, _ = a.post("/learn/drop", tag="wifi")
if st != 400:
    fail("dropping a goal twice: %d" % st)
ok("learning: set a goal (text escaped), its matches, bad tag/date refused; the circle (member, "
   "join, meeting; a non-member refused); the needs map (SVG, table, circle links); done with "
   "Bob to thank, thanked; drop")

# --- the rest of the pages still answer, and an unknown one is 404
page(a, "/", r"Your inbox")
page(a, "/ask", r'<form class="ask"')
page(a, "/nope", status=404)
ok("home, ask, 404")
print("web_pages.py: all checks passed")
