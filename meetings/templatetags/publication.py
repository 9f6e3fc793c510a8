"""Template filters of the publication policy (``meetings.policy``): how people and the
free text that mentions them appear on public pages.

``names`` is the view's ``PublicNames`` for the texts it shows; without it a mention
prints as "Deltagare", never as a name.
"""

from __future__ import annotations

from django import template

from meetings import policy
from meetings.models import Attendance

register = template.Library()


@register.filter
def public_name(person_or_attendance) -> str:
    if isinstance(person_or_attendance, Attendance):
        return policy.attendance_public_name(person_or_attendance)
    return policy.person_public_name(person_or_attendance)


@register.filter
def public_assignees(action) -> list[tuple[str, str | None]]:
    return policy.action_public_assignees(action)


@register.filter
def public_text(text: str, names=None) -> str:
    return policy.public_text(text, names or None)


@register.filter
def public_markdown(text: str, names=None):
    return policy.public_markdown(text, names or None)
