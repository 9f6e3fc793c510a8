"""The emails that let a person in: an invitation and a login link (plain text and HTML).

Password reset emails are sent by Django's PasswordResetView with the templates in
people/templates/people/emails/password_reset*.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from .tokens import invitation_token, login_link_token


def link_lifetime() -> str:
    """How long a link works, in words: "3 days"."""
    now = timezone.now()
    later = now + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return timeuntil(later, now, depth=1).replace("\xa0", " ")


def one_time_link(request, view_name: str, user, token_generator) -> str:
    path = reverse(
        view_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def send_email(*, to: str, subject: str, template: str, context: dict) -> None:
    context = {**context, "subject": subject}
    text = render_to_string(f"people/emails/{template}.txt", context)
    html = render_to_string(f"people/emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def name_of(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person else user.get_full_name()


def send_invitation(request, person, user) -> None:
    """Invite ``person`` (whose account is ``user``) to log in and choose a password.

    Always in the site's language: the staff member's choice says nothing about the reader's.
    """
    with translation.override(settings.LANGUAGE_CODE):
        send_email(
            to=person.email,
            subject=_("You are invited to Delaktig"),
            template="invitation",
            context={
                "name": person.name,
                "link": one_time_link(request, "people:invitation", user, invitation_token),
                "login_link_url": request.build_absolute_uri(reverse("people:login_link")),
                "valid_for": link_lifetime(),
            },
        )


def send_login_link(request, user) -> None:
    """A one-time link that logs ``user`` in, in the language the person asked in."""
    send_email(
        to=user.email,
        subject=_("Your login link to Delaktig"),
        template="login_link",
        context={
            "name": name_of(user),
            "link": one_time_link(request, "people:login_link_confirm", user, login_link_token),
            "valid_for": link_lifetime(),
        },
    )
