"""WCAG 2.1 A and AA, checked by axe-core in Chromium on every kind of public page.

axe-core finds about half of the WCAG problems a person would (contrast, names,
labels, landmarks, language, ARIA ...); the keyboard tests cover some of the rest.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def axe_violations(page) -> list[str]:
    """The page's WCAG 2.1 A/AA violations, one readable block per rule."""
    results = _axe.run(page, options=AXE_OPTIONS)
    report = []
    for violation in results.response["violations"]:
        lines = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl'].split('?')[0]}>"
        ]
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    element: {target}")
            lines.append(f"      html: {_one_line(node['html'], 200)}")
            lines.append(f"      why:  {_one_line(node.get('failureSummary') or '')}")
        report.append("\n".join(lines))
    return report


def scan(site, page, label: str, path: str) -> list[str]:
    """Problems of one page, each prefixed with where it was found."""
    status = site.open(page, path)
    if status != 200:
        return [f"{label} {path}: HTTP {status}, not scanned"]
    return [f"{label} {path}:\n  {block}" for block in axe_violations(page)]


def test_axe_reports_a_known_violation(page):
    """The scanner itself works: a page with an image without text fails."""
    page.set_content('<html lang="sv"><title>t</title><main><img src="x.png"></main></html>')
    report = axe_violations(page)
    assert any(block.startswith("image-alt ") for block in report), report


def test_public_pages_meet_wcag_21_aa(make_page, public_site):
    """Every kind of public page on a desktop, and the protocol on a phone too.

    One test, so that the demo data is loaded once; every page is scanned and all
    the violations are reported together.
    """
    desktop, phone = make_page(), make_page(phone=True)
    problems = []
    for label, path in public_site.pages.items():
        problems += scan(public_site, desktop, label, path)
    problems += scan(public_site, phone, "protocol at 360 px", public_site.protocol)
    assert not problems, "WCAG 2.1 A/AA violations (axe-core):\n\n" + "\n\n".join(problems)


def test_account_pages_meet_wcag_21_aa(make_page, public_site):
    """The login pages, and a member's own pages, logged in as a member of a group."""
    from django.test import Client
    from django.urls import reverse

    from people.models import Person
    from projects.models import Membership
    from tests.factories import UserFactory

    visitor = make_page()
    problems = []
    for name in ("people:login", "people:login_link", "people:password_reset"):
        problems += scan(public_site, visitor, name, reverse(name))

    membership = Membership.objects.select_related("person", "working_group").first()
    user = UserFactory(username="medlem@example.org", email="medlem@example.org")
    Person.objects.filter(pk=membership.person.pk).update(user=user)
    client = Client()
    client.force_login(user)
    member = make_page()
    member.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": public_site.base_url,
            }
        ]
    )
    group = membership.working_group.slug
    for label, path in {
        "my page": reverse("people:my_page"),
        "my data": reverse("people:my_data"),
        "internal notes": reverse("projects:notes", args=[group]),
        "new internal note": reverse("projects:note_add", args=[group]),
        "working group, logged in": reverse("projects:detail", args=[group]),
    }.items():
        problems += scan(public_site, member, label, path)
        assert member.url == public_site.url(path), f"{label}: not logged in, sent to {member.url}"
    assert not problems, "WCAG 2.1 A/AA violations (axe-core):\n\n" + "\n\n".join(problems)


def test_staff_publication_pages_meet_wcag_21_aa(make_page, public_site):
    """The pages where staff check names and publish, and a protocol's history."""
    from django.contrib.auth.models import Permission
    from django.test import Client
    from django.urls import reverse

    from meetings.models import Meeting
    from tests.factories import UserFactory

    staff = UserFactory(username="sekreterare-axe", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["meetings", "people", "operations"])
    )
    client = Client()
    client.force_login(staff)
    page = make_page()
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": public_site.base_url,
            }
        ]
    )
    draft = Meeting.objects.exclude(protocol_state=Meeting.ProtocolState.PUBLISHED).first()
    published = Meeting.objects.published().first()
    problems = []
    for label, path in {
        "publish page": reverse("admin:meetings_meeting_publish", args=[draft.pk]),
        "publish preview": reverse("admin:meetings_meeting_preview", args=[draft.pk]),
        "names page": reverse("admin:meetings_meeting_names", args=[draft.pk]),
        "names page, published": reverse("admin:meetings_meeting_names", args=[published.pk]),
        "history": reverse("admin:meetings_meeting_history", args=[published.pk]),
        # No backup has run in the test database: the warning box is on every page too.
        "backups page": reverse("admin:operations_backuprun_changelist"),
        "admin index, backup warning": reverse("admin:index"),
    }.items():
        problems += scan(public_site, page, label, path)
    assert not problems, "WCAG 2.1 A/AA violations (axe-core):\n\n" + "\n\n".join(problems)
