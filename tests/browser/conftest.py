"""Browser tests: the public pages in a real Chromium, driven by Playwright.

Chromium is the distribution's package (``apt-get install chromium``), never a
Playwright download: the machines that run these tests have no network. Without
it the tests skip on a developer's machine but fail in CI (``CI`` or
``DELAKTIG_REQUIRE_BROWSER=1``), so a missing browser can never pass silently.

The pages are served by pytest-django's ``live_server`` (a thread of this process),
so every test that uses it runs with ``transactional_db``: the data a test writes
is committed, the server sees it, and the database is flushed after the test. The
demo data is therefore loaded per test function, which is why each test checks
all the pages in one go instead of one test per page.

Every page of every browser test runs under the site's Content-Security-Policy and
Permissions-Policy, and is watched: a violation of either, on any page a test opened,
fails that test when it ends (``policy_problems``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
LOCALE = "sv-SE"
TIMEZONE = "Europe/Stockholm"

# Screenshots and other files for a human to look at; gitignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# The network is closed: without these flags Chromium keeps trying to reach Google
# (updates, sync, safe browsing ...). As root Chromium refuses to start without
# --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

REQUIRE_ENV_VARS = ("CI", "DELAKTIG_REQUIRE_BROWSER")
NOT_INSTALLED = "Chromium is not installed: apt-get install chromium to run the browser tests"


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _browser_required() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in REQUIRE_ENV_VARS
    )


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """One Chromium for the whole browser suite.

    Package scope (rather than session) so that Playwright stops as soon as the
    last browser test has run: while Playwright's sync API is started it keeps an
    asyncio event loop running in the main thread, and Django then refuses every
    ORM call from that thread (SynchronousOnlyOperation), including those of the
    other test packages that run later in the same pytest session.
    """
    executable = _find_chromium()
    if executable is None:
        if _browser_required():
            pytest.fail(
                f"{NOT_INSTALLED}. The browser tests are required here "
                "(CI or DELAKTIG_REQUIRE_BROWSER is set), so they fail instead of skipping.",
                pytrace=False,
            )
        pytest.skip(NOT_INSTALLED)

    from playwright.sync_api import sync_playwright

    # The tests themselves call the ORM (loading the demo data) from the main thread
    # while Playwright's event loop runs there; the calls are synchronous and never
    # overlap with the loop's work, so Django's guard is relaxed, but only while
    # Playwright is running.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Reports each `securitypolicyviolation` event, in every page and frame, to the test
# (through a binding, so that a report outlives the page's next navigation).
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportPolicyViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} ` +
    `at ${event.sourceFile || event.documentURI}:${event.lineNumber} ${event.sample}`.trim()
  );
}, true);
"""

# Chromium's console messages about the two policies: the same violations (also when
# JavaScript is off, where CSP_WATCH cannot run) and a policy header it cannot parse.
POLICY_CONSOLE_WORDS = (
    "Content Security Policy",
    "Content-Security-Policy",
    "Permissions-Policy",
    "Permissions policy",
)


@pytest.fixture
def policy_problems() -> list[str]:
    """Every CSP or Permissions-Policy violation seen in this test's pages; must stay empty."""
    return []


def _watch_policies(context, problems: list[str]) -> None:
    context.expose_binding(
        "__reportPolicyViolation",
        lambda source, text: problems.append(f"{source['frame'].url}: {text}"),
    )
    context.add_init_script(CSP_WATCH)

    def console(message) -> None:
        if any(word in message.text for word in POLICY_CONSOLE_WORDS):
            problems.append(
                f"{message.page.url if message.page else '?'}: console {message.type}: {message.text}"
            )

    context.on("console", console)


@pytest.fixture
def make_page(browser, policy_problems) -> Iterator[Callable[..., object]]:
    """A factory of pages, each in its own fresh context (no cookies, no cache).

    When the test ends, any policy violation on these pages fails it.
    """
    contexts = []

    def make(*, phone: bool = False, javascript: bool = True):
        options = {
            "viewport": PHONE if phone else DESKTOP,
            "locale": LOCALE,
            "timezone_id": TIMEZONE,
            "java_script_enabled": javascript,
            "reduced_motion": "reduce",  # no transitions half-way through a check
        }
        if phone:
            options.update(is_mobile=True, has_touch=True)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        _watch_policies(context, policy_problems)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        for page in context.pages:
            # Reports still on their way from the browser arrive while Playwright waits.
            page.wait_for_timeout(50)
        context.close()
    if policy_problems:
        pytest.fail(
            "Content-Security-Policy or Permissions-Policy violations:\n"
            + "\n".join(dict.fromkeys(policy_problems)),
            pytrace=False,
        )


@pytest.fixture
def page(make_page):
    """A desktop page: 1280×900, Swedish."""
    return make_page()


@pytest.fixture
def phone_page(make_page):
    """A phone page: 360×740, touch, Swedish."""
    return make_page(phone=True)


@dataclass
class Site:
    """The live server filled with the demo data, and the public pages worth checking."""

    base_url: str
    home: str
    archive: str
    archive_filtered: str
    archive_empty: str
    protocol: str
    working_group: str
    working_group_list: str
    organisation: str
    organisation_list: str
    series: str
    series_list: str
    calendar: str
    search: str
    search_empty: str
    search_word: str
    search_year: int
    protocol_heading: str
    pages: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pages = {
            "start page": self.home,
            "protocol archive": self.archive,
            "archive, filtered": self.archive_filtered,
            "archive, no result": self.archive_empty,
            "protocol": self.protocol,
            "working group": self.working_group,
            "working group list": self.working_group_list,
            "organisation": self.organisation,
            "organisation list": self.organisation_list,
            "meeting series": self.series,
            "meeting series list": self.series_list,
            "calendar": self.calendar,
            "search results": self.search,
            "search, no result": self.search_empty,
        }

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, page, path: str) -> int:
        """Load a page and wait until it is settled; answer the HTTP status."""
        response = page.goto(self.url(path), wait_until="load")
        return response.status if response is not None else 0


def _search_word(texts: list[str]) -> str:
    """The longest word of a published protocol's text: it surely finds that protocol."""
    words = [word for text in texts for word in re.findall(r"[^\W\d_]{5,}", text)]
    if not words:
        raise AssertionError(f"no word to search for in {texts!r}")
    return max(words, key=len)


@pytest.fixture
def public_site(live_server) -> Site:
    """The demo data (real organisations, series and working groups, invented people)."""
    from django.db.models import Count
    from django.urls import reverse

    from meetings.demo import demo_load
    from meetings.models import Meeting
    from organisations.models import Organisation
    from projects.models import WorkingGroup

    demo_load(with_password=False)

    protocol = Meeting.objects.published().select_related("series").first()
    assert protocol is not None, "the demo data has no published protocol"
    texts = [protocol.theme, *protocol.agenda_items.values_list("title", flat=True)]
    group = WorkingGroup.objects.annotate(n=Count("members")).order_by("-n", "name").first()
    organisation = Organisation.objects.order_by("name").first()
    assert group is not None and organisation is not None

    word = _search_word(texts)
    return Site(
        base_url=live_server.url,
        home=reverse("home"),
        archive=reverse("meetings:archive"),
        archive_filtered=f"{reverse('meetings:archive')}?q={word}&year={protocol.date.year}",
        archive_empty=f"{reverse('meetings:archive')}?q=xyzzyqwertyfinnsinte",
        protocol=protocol.get_absolute_url(),
        working_group=group.get_absolute_url(),
        working_group_list=reverse("projects:list"),
        organisation=organisation.get_absolute_url(),
        organisation_list=reverse("organisations:list"),
        series=protocol.series.get_absolute_url(),
        series_list=reverse("meetings:series_list"),
        calendar=reverse("meetings:calendar"),
        search=f"{reverse('meetings:search')}?q={word}",
        search_empty=f"{reverse('meetings:search')}?q=xyzzyqwertyfinnsinte",
        search_word=word,
        search_year=protocol.date.year,
        protocol_heading=protocol.series.name,
    )


@pytest.fixture
def screenshots_dir() -> Path:
    directory = ARTIFACTS / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
