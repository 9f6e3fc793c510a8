"""The pages work under the site's Content-Security-Policy, the admin included.

Every browser test fails on a policy violation (conftest.py, ``policy_problems``); the
first tests here show that this watch really catches one, the last walks the admin pages
staff use and checks that their JavaScript still works when nothing inline may run.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

PASSWORD = "lösenord-för-test"  # tests.factories.UserFactory's

# A page that breaks a strict policy in the ways a template could: an inline <style>, a
# style attribute, an inline <script> and an event handler attribute.
INLINE_PAGE = """<!DOCTYPE html>
<html lang="sv"><head><title>t</title><style>p { color: red; }</style></head>
<body><p style="color: blue">text</p><script>document.title = "ran";</script>
<img src="/nothing.png" alt="" onerror="document.title = 'ran too'"></body></html>"""
STRICT_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"


def _serve_inline_page(page) -> None:
    page.route(
        "http://policy.test/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": STRICT_POLICY},
            body=INLINE_PAGE,
        ),
    )
    page.goto("http://policy.test/", wait_until="load")
    page.wait_for_timeout(200)


def test_the_policy_watch_catches_inline_script_and_style(page, policy_problems):
    _serve_inline_page(page)

    assert page.title() == "t", "the inline scripts ran: the policy was not applied"
    seen = "\n".join(policy_problems)
    for directive in ("style-src-elem", "style-src-attr", "script-src-elem", "script-src-attr"):
        assert directive in seen, f"{directive} not reported in:\n{seen}"
    policy_problems.clear()  # seen, and expected: this test must not fail on them


def test_the_policy_watch_works_with_javascript_off(make_page, policy_problems):
    """Chromium's console still reports what the policy blocked (the no-JS tests)."""
    _serve_inline_page(make_page(javascript=False))

    assert any("console" in p and "style-src" in p for p in policy_problems), policy_problems
    policy_problems.clear()


def _log_in_to_the_admin(page, site, username: str) -> None:
    site.open(page, "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(site.url("/admin/"))


def _display(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).display")


def test_the_admin_pages_staff_use_work_under_the_policy(page, public_site):
    from django.urls import reverse

    from meetings.models import Meeting
    from tests.factories import UserFactory
    from tests.meetings.importer.test_command import PROTOCOL

    UserFactory(username="huvudadmin", is_staff=True, is_superuser=True)
    draft = (
        Meeting.objects.exclude(protocol_state=Meeting.ProtocolState.PUBLISHED)
        .filter(agenda_items__isnull=False)
        .distinct()
        .first()
    )
    assert draft is not None, "the demo data has no draft protocol with agenda items"
    site = public_site

    _log_in_to_the_admin(page, site, "huvudadmin")
    # Our admin stylesheet (no inline style any more) is there: the switcher sits in line.
    assert _display(page, "#user-tools .language-switcher") == "inline"

    # The meeting list: selecting all rows updates the counter (actions.js), a filter
    # narrows the list, and a closed filter stays closed after a reload (filters.js).
    changelist = reverse("admin:meetings_meeting_changelist")
    assert site.open(page, changelist) == 200
    counter = page.locator(".action-counter")
    before = counter.inner_text()
    page.click("#action-toggle")
    assert counter.inner_text() != before
    assert page.locator("input.action-select:checked").count() >= 1
    state_filter = page.locator("#changelist-filter details").nth(2)  # by protocol state
    choice = state_filter.locator("li a").nth(1)  # the first after "all"
    chosen = choice.inner_text()
    choice.click()
    page.wait_for_load_state("load")
    assert "protocol_state__exact=" in page.url
    expect(state_filter.locator("li.selected")).to_have_text(chosen)
    first_filter = page.locator("#changelist-filter details").first
    first_filter.locator("summary").click()
    assert first_filter.get_attribute("open") is None
    page.reload(wait_until="load")
    assert page.locator("#changelist-filter details").first.get_attribute("open") is None

    # The meeting's change form: "add another" adds an inline row (inlines.js), and an
    # autocomplete field loads its choices from the server (jQuery and Select2).
    change = reverse("admin:meetings_meeting_change", args=[draft.pk])
    assert site.open(page, change) == 200
    items = page.locator("#agenda_items-group .inline-related:not(.empty-form)")
    count = items.count()
    page.locator("#agenda_items-group .add-row a").click()
    expect(items).to_have_count(count + 1)
    page.locator("#id_series + .select2").click()
    found = page.locator(".select2-results__option:not(.loading-results)").first
    expect(found).to_be_visible()
    assert found.inner_text().strip()
    page.keyboard.press("Escape")
    assert page.locator(".datetimeshortcuts").count() >= 1  # the calendar links (calendar.js)

    # The publish page frames the public page as visitors will see it.
    publish = reverse("admin:meetings_meeting_publish", args=[draft.pk])
    assert site.open(page, publish) == 200
    preview = page.frame_locator("iframe.publish-preview")
    assert preview.locator("main h1").first.inner_text().strip()
    frame_height = page.locator("iframe.publish-preview").bounding_box()["height"]
    assert frame_height > 400, "the preview frame lost its style (70% of the window)"

    # Importing: the preview shows the original and the result side by side.
    importer = reverse("admin:meetings_meeting_import")
    assert site.open(page, importer) == 200
    page.fill("textarea[name=text]", PROTOCOL)
    page.click("input[name=preview]")
    page.wait_for_load_state("load")
    assert page.locator(".import-source li").count() == len(PROTOCOL.splitlines())
    assert _display(page, ".import-columns") == "grid"

    # A protocol's history.
    history = reverse("admin:meetings_meeting_history", args=[draft.pk])
    assert site.open(page, history) == 200
    assert page.locator("#change-history tbody tr, .module table tbody tr").count() >= 1
    assert re.search(r"\d", page.locator(".paginator").inner_text())
