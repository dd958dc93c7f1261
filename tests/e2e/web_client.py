"""A plain HTTP client for one node's web interface (the e2e tests' side of the browser).

Client(port, home, lore) logs in the way a person does (the one-time URL of `lore web`), keeps
the session cookie and the CSRF token, and sends GETs and form POSTs with our own Origin.
"""
import json
import os
import re
import subprocess
import urllib.parse

from webhttp import fail, request as http, web_host


class Client:
    def __init__(self, port, home, lore):
        self.port, self.home, self.lore_bin = port, home, lore
        self.host = web_host(lore, home)
        self.cookie = None
        self.csrf = None
        r = self.lore("web", "--json")
        if r.returncode != 0:
            fail("lore web: " + r.stderr)
        u = urllib.parse.urlsplit(json.loads(r.stdout)["url"])
        st, h, _ = self.request("GET", u.path + "?" + u.query)
        m = re.match(r"(lore_session=[0-9a-f]{64});", h.get("set-cookie", ""))
        if st != 303 or not m:
            fail("login on port %d: %d %r" % (port, st, h.get("set-cookie")))
        self.cookie = m.group(1)
        st, _, page = self.get("/")
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
        if st != 200 or not m:
            fail("no CSRF token on the home page")
        self.csrf = m.group(1)

    def lore(self, *args):
        env = dict(os.environ, LORE_HOME=self.home)
        return subprocess.run([self.lore_bin, *args], env=env, capture_output=True, text=True,
                              timeout=60)

    def request(self, method, path, headers=None, body=None):
        """One request with our session cookie: (status, headers lower-cased, body text)."""
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        return http(self.port, method, path, h, body, self.host)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, **fields):
        """A form POST with the CSRF token and our Origin: (status, headers, body)."""
        fields.setdefault("csrf", self.csrf)
        return self.request("POST", path, {"Content-Type": "application/x-www-form-urlencoded",
                                           "Origin": "http://" + self.host},
                            urllib.parse.urlencode(fields))
