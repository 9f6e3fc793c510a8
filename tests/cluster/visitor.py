"""A visitor of the cluster over plain HTTP, from a client address of its choosing.

Production marks every cookie Secure, and the cluster has no TLS, so a standard cookie
jar would never send the session back. This keeps every cookie it is given and sends
them all, which is all the tests need of a browser.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import re
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Django's file email backend ends every message with a line of 79 dashes.
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class Response:
    status: int
    headers: Message
    text: str

    @property
    def page_cache(self) -> str | None:
        return self.headers.get("X-Page-Cache")

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


@dataclass
class Visitor:
    """Talks to one server (nginx or an app server) from ``source`` (any 127.x.y.z is
    this machine). ``host`` is the Host header: the site's public address, so that an app
    server asked directly builds the same page-cache keys as behind nginx.
    ``forwarded_for`` is sent as X-Forwarded-For, as a client may forge it."""

    port: int
    host: str
    source: str = "127.0.0.1"
    forwarded_for: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> Response:
        sent = {"Host": self.host, **(headers or {})}
        if self.forwarded_for:
            sent["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read().decode())
        finally:
            connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def form_token(self, path: str) -> str:
        """Open the form at ``path``; its CSRF token."""
        page = self.get(path)
        match = CSRF_FIELD.search(page.text)
        assert page.status == 200 and match, f"no form at {path} ({page.status})"
        return match.group(1)

    def submit(self, path: str, fields: dict[str, str], *, token: str | None = None) -> Response:
        """Post a form, as a browser would after opening it (or with a token from earlier)."""
        token = token or self.form_token(path)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def log_in(self, path: str, username: str, password: str) -> Response:
        return self.submit(path, {"username": username, "password": password})


def mails_to(mail_dir: Path, address: str) -> list[str]:
    """The plain-text bodies of every email sent to ``address``."""
    bodies = []
    for path in sorted(mail_dir.glob("*.log")):
        for raw in path.read_bytes().split(MAIL_SEPARATOR):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw, policy=email.policy.default)
            if message["To"] != address:
                continue
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    bodies.append(part.get_content())
    return bodies
