"""``{% follow_button group %}``: the follow button of a working group or meeting series page."""

from __future__ import annotations

from django import template
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from people.services import follow_exists, follow_field

register = template.Library()

URL_NAMES = {"working_group": "people:follow_group", "series": "people:follow_series"}


@register.inclusion_tag("people/_follow_button.html", takes_context=True)
def follow_button(context, target, following=None, back=""):
    """A POST form with one button, or a login link for visitors. At most one query.

    ``following`` may be given when the caller already knows (as "Mina sidor" does), and
    ``back="my_page"`` brings the user back to "Mina sidor" instead of the followed page.
    """
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    is_authenticated = bool(user and user.is_authenticated)
    if is_authenticated and following is None:
        following = follow_exists(user=user, target=target)
    return {
        "target": target,
        "is_authenticated": is_authenticated,
        "following": bool(following),
        "action_url": reverse(URL_NAMES[follow_field(target)], args=[target.slug]),
        "login_url": "" if is_authenticated else redirect_to_login(target.get_absolute_url()).url,
        "back": back,
        "csrf_token": context.get("csrf_token"),
    }
