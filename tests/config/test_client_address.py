"""The visitor's address behind a proxy: X-Forwarded-For is believed only from the proxy."""

from __future__ import annotations

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory

from config.client_address import client_ip_address

PROXY = "127.0.0.1"


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/konto/logga-in/", **headers)


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]


def test_without_a_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip_address(request_from("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_behind_the_proxy_the_visitor_is_the_address_the_proxy_added(behind_one_proxy):
    assert client_ip_address(request_from(PROXY, "203.0.113.9")) == "203.0.113.9"


def test_a_proxy_in_a_trusted_network_is_believed(behind_one_proxy):
    assert client_ip_address(request_from("10.1.4.2", "203.0.113.9")) == "203.0.113.9"


def test_what_the_visitor_wrote_in_front_of_the_proxys_entry_is_not_believed(behind_one_proxy):
    # The visitor sent "X-Forwarded-For: 192.0.2.1"; the proxy appended the real address.
    request = request_from(PROXY, "192.0.2.1, 203.0.113.9")

    assert client_ip_address(request) == "203.0.113.9"


def test_a_client_that_talks_to_the_app_directly_cannot_choose_its_address(behind_one_proxy):
    request = request_from("198.51.100.7", "192.0.2.1")

    assert client_ip_address(request) == "198.51.100.7"


def test_with_two_proxies_the_visitor_is_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXIES = [PROXY]
    # visitor's own lie, the visitor (added by the outer proxy), the outer proxy (added by nginx)
    request = request_from(PROXY, "192.0.2.1, 203.0.113.9, 10.9.9.9")

    assert client_ip_address(request) == "203.0.113.9"


@pytest.mark.parametrize("header", ["", "garbage", "999.1.1.1"])
def test_a_proxy_that_sends_no_usable_header_counts_as_the_client(behind_one_proxy, header):
    assert client_ip_address(request_from(PROXY, header)) == PROXY


def test_django_axes_counts_the_same_address(behind_one_proxy):
    assert get_client_ip_address(request_from(PROXY, "192.0.2.1, 203.0.113.9")) == "203.0.113.9"
