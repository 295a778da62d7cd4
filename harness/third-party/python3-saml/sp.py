#!/usr/bin/python3
"""A small SAML service provider around python3-saml (Debian's python3-onelogin-saml2), in the
strictest configuration the library offers, for `harness probe-sp` to attack (issue 16, item 3;
R-VEN-6).

It is what a careful developer writes from the library's README: strict mode, signed assertions
required, SHA-256 asked for, InResponseTo checked against the AuthnRequest this browser started,
and a replay cache of assertion IDs (the README leaves replay detection to the application).
Every weakness the probe finds here is the library's, not this file's.

    /usr/bin/python3 sp.py --idp-entity-id ID --idp-sso-url URL --idp-cert FILE [--port N]

binds 127.0.0.1 (on a free port without --port), then prints one line
`listening on http://127.0.0.1:PORT`. Routes: GET /metadata (the SP's), GET /login (to the
IdP), POST /acs, GET /whoami (200 {"user": NameID} or 401).
"""

import argparse
import http.cookies
import http.server
import json
import secrets
import sys
import threading
import urllib.parse
from collections import OrderedDict

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.settings import OneLogin_Saml2_Settings

# Bounds: sessions and remembered assertion IDs, oldest dropped first.
MAX_SESSIONS = 1000
MAX_SEEN = 10000
MAX_BODY = 256 * 1024
ENTITY_ID = "https://python3-saml-sp.example/"


class Bounded(OrderedDict):
    def __init__(self, cap):
        super().__init__()
        self.cap = cap

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > self.cap:
            self.popitem(last=False)


def settings(base, idp):
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": ENTITY_ID,
            "assertionConsumerService": {"url": base + "/acs", "binding": C.BINDING_HTTP_POST},
            "NameIDFormat": C.NAMEID_UNSPECIFIED,
        },
        "idp": {
            "entityId": idp["entity_id"],
            "singleSignOnService": {"url": idp["sso_url"], "binding": C.BINDING_HTTP_REDIRECT},
            "x509cert": idp["cert"],
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "wantAttributeStatement": False,
            "requestedAuthnContext": False,
            "signatureAlgorithm": C.RSA_SHA256,
            "digestAlgorithm": C.SHA256,
        },
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def request_data(self, post=None):
        url = urllib.parse.urlsplit(self.path)
        host, port = self.server.server_address[:2]
        return {
            "https": "off",
            "http_host": "%s:%d" % (host, port),
            "server_port": port,
            "script_name": url.path,
            "get_data": dict(urllib.parse.parse_qsl(url.query)),
            "post_data": post or {},
        }

    def session(self):
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        sid = jar["sid"].value if "sid" in jar else None
        with self.server.lock:
            if sid in self.server.sessions:
                return sid, self.server.sessions[sid]
            sid = secrets.token_urlsafe(24)
            self.server.sessions[sid] = {}
            return sid, self.server.sessions[sid]

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        sid, session = self.session()
        cookie = ("Set-Cookie", "sid=%s; Path=/; HttpOnly" % sid)
        if path == "/login":
            auth = OneLogin_Saml2_Auth(self.request_data(), self.server.settings)
            url = auth.login(return_to="/whoami")
            session["request_id"] = auth.get_last_request_id()
            self.answer(302, headers=[("Location", url), cookie])
        elif path == "/metadata":
            md = OneLogin_Saml2_Settings(self.server.settings, sp_validation_only=True).get_sp_metadata()
            self.answer(200, md if isinstance(md, bytes) else md.encode(), [("Content-Type", "application/samlmetadata+xml")])
        elif path == "/whoami":
            user = session.get("user")
            body = json.dumps({"user": user}).encode()
            self.answer(200 if user else 401, body, [("Content-Type", "application/json"), cookie])
        else:
            self.answer(404)

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if path != "/acs" or length > MAX_BODY:
            self.answer(404 if path != "/acs" else 413)
            return
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("latin-1")))
        sid, session = self.session()
        # One AuthnRequest, one Response: the ID is taken whatever the outcome.
        request_id = session.pop("request_id", None)
        auth = OneLogin_Saml2_Auth(self.request_data(form), self.server.settings)
        try:
            auth.process_response(request_id=request_id)
        except Exception as e:  # the library raises on a malformed message
            self.answer(400, ("error: %s" % e).encode())
            return
        errors = auth.get_errors()
        if errors or not auth.is_authenticated():
            reason = auth.get_last_error_reason() or ", ".join(errors)
            self.answer(403, ("refused: %s" % reason).encode())
            return
        # The README's replay advice: remember each assertion ID until it expires.
        with self.server.lock:
            seen = auth.get_last_assertion_id() in self.server.seen
            self.server.seen[auth.get_last_assertion_id()] = True
        if seen:
            self.answer(403, b"refused: assertion replayed")
            return
        session["user"] = auth.get_nameid()
        self.answer(303, headers=[("Location", "/whoami"), ("Set-Cookie", "sid=%s; Path=/; HttpOnly" % sid)])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--idp-entity-id", required=True)
    p.add_argument("--idp-sso-url", required=True)
    p.add_argument("--idp-cert", required=True, help="a PEM certificate file")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    with open(a.idp_cert) as f:
        cert = f.read()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    base = "http://127.0.0.1:%d" % server.server_address[1]
    server.settings = settings(base, {"entity_id": a.idp_entity_id, "sso_url": a.idp_sso_url, "cert": cert})
    server.sessions = Bounded(MAX_SESSIONS)
    server.seen = Bounded(MAX_SEEN)
    server.lock = threading.Lock()
    print("listening on " + base, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
