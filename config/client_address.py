"""The visitor's address, as django-axes and every throttle count it.

Behind the TLS proxy every connection comes from the proxy, so the visitor's address
is the one the proxy wrote into X-Forwarded-For. That header is believed only when the
connection itself comes from a trusted proxy (DJANGO_TRUSTED_PROXIES): anyone can send
the header, and a client talking to the app directly must not be able to choose the
address its failed logins count against.

The settings name this function in AXES_CLIENT_IP_CALLABLE, and the apps ask axes
(``axes.helpers.get_client_ip_address``), so there is one answer everywhere.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


@cache
def _trusted_networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _from_trusted_proxy(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    return any(address in network for network in networks)


def client_ip_address(request: HttpRequest) -> str | None:
    remote_addr = request.META.get("REMOTE_ADDR") or None
    proxy_count = settings.TRUSTED_PROXY_COUNT
    if not proxy_count or not remote_addr or not _from_trusted_proxy(remote_addr):
        return remote_addr
    # Each trusted proxy appends the address it was connected from, so the visitor
    # is the proxy_count-th entry from the right; anything left of it was written by
    # the visitor. python-ipware counts the hops after the client, one fewer.
    client_ip, _routable = get_client_ip(
        request,
        proxy_count=proxy_count - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    # A trusted proxy that sent no (or a malformed) header: count the proxy itself,
    # the strictest choice, rather than nothing.
    return client_ip or remote_addr
