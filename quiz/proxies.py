"""Who the client is, and which address the site has: forwarded headers and absolute URLs.

Two rules, each in one place:

- :class:`TrustedProxies`: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` count only when the
  connection comes from an address in ``TRUSTED_PROXIES``; ``X-Forwarded-Host``, ``-Port``
  and ``-Prefix`` never count.  A client that reaches the port directly cannot rotate its
  address past the login rate limit, forge the logged address or move absolute links.
- :func:`absolute_url`: links that leave the browser (QR codes, posters, display links,
  certificate verify URLs, share cards) start with ``BASE_URL`` when it is set.
"""

from __future__ import annotations

import ipaddress
import logging

from flask import current_app, request, url_for

log = logging.getLogger(__name__)

#: Headers a client could use to move the site's address; dropped from every request.
IGNORED_FORWARDED_HEADERS = ("HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX",
                             "HTTP_X_FORWARDED_SERVER", "HTTP_FORWARDED")
#: What the old PROXY_FIX=1 switch now means: a proxy on this machine (nginx in front).
LOCAL_PROXIES = "127.0.0.1,::1"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[Network, ...]:
    """Addresses and CIDRs separated by commas or spaces ("127.0.0.1, 10.0.0.0/24"); a typo stops start-up."""
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an IP address or network") from error
    return tuple(networks)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: honour X-Forwarded-For/-Proto from trusted proxies only, and never -Host/-Prefix.

    The client is the right-most X-Forwarded-For address that is not itself a trusted
    proxy (each proxy appends the address it saw), so a client cannot prepend its own.
    """

    def __init__(self, wsgi_app, networks: tuple[Network, ...]):
        self.wsgi_app = wsgi_app
        self.networks = networks

    def trusted(self, text: str | None) -> bool:
        address = _address(text or "")
        return address is not None and any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        for key in IGNORED_FORWARDED_HEADERS:
            environ.pop(key, None)
        forwarded_for = environ.pop("HTTP_X_FORWARDED_FOR", "")
        forwarded_proto = environ.pop("HTTP_X_FORWARDED_PROTO", "")
        peer = environ.get("REMOTE_ADDR")
        if self.networks and self.trusted(peer):
            environ["quiz.proxy_peer"] = peer
            for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
                if _address(hop) is None:
                    break  # a garbled entry: keep the last address we could trust
                environ["REMOTE_ADDR"] = hop
                if not self.trusted(hop):
                    break
            proto = forwarded_proto.split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.wsgi_app(environ, start_response)


def install(app) -> None:
    """Wrap the app in TrustedProxies (always: forwarded headers from anyone else are dropped)."""
    trusted = app.config.get("TRUSTED_PROXIES") or ""
    if not trusted and app.config.get("PROXY_FIX"):
        trusted = LOCAL_PROXIES
        log.warning("PROXY_FIX=1 is deprecated: trusting forwarded headers from %s only; set TRUSTED_PROXIES", trusted)
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(trusted))


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link to hand out (QR, poster, display link, certificate): BASE_URL when set, else this request's Host."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    script_root = request.script_root if request else ""
    if script_root and path.startswith(script_root):
        path = path[len(script_root):]  # BASE_URL already names the prefix the site is served under
    return base + path
