"""The emails that let a person in: an invitation, a login link and a password reset.

Login links and password resets are asked for by visitors who are not logged in. Those
mails go out through the task queue (``send_login_links``, ``send_password_resets``),
never inside the request: the request does the same work whether or not the address
belongs to an account, so neither its answer nor its timing tells which addresses are
registered. The task looks the address up.
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
from django_tasks import task

from .forms import AccountPasswordResetForm
from .services import users_with_email
from .tokens import invitation_token, login_link_token


def link_lifetime() -> str:
    """How long a link works, in words: "3 days"."""
    now = timezone.now()
    later = now + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return timeuntil(later, now, depth=1).replace("\xa0", " ")


def one_time_path(view_name: str, user, token_generator) -> str:
    return reverse(
        view_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token_generator.make_token(user),
        },
    )


def one_time_link(request, view_name: str, user, token_generator) -> str:
    return request.build_absolute_uri(one_time_path(view_name, user, token_generator))


def site_url(path: str) -> str:
    """A link that works from an email, also one the worker sends without a request: the
    site's address (setting SITE_URL) and the path."""
    return settings.SITE_URL.rstrip("/") + path


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


def send_login_link(user) -> None:
    """A one-time link that logs ``user`` in, in the active language."""
    send_email(
        to=user.email,
        subject=_("Your login link to Delaktig"),
        template="login_link",
        context={
            "name": name_of(user),
            "link": site_url(one_time_path("people:login_link_confirm", user, login_link_token)),
            "valid_for": link_lifetime(),
        },
    )


@task()
def send_login_links(email: str, language: str) -> int:
    """Send a login link to each active account with ``email``, in the language the
    visitor asked in. Returns how many went out (0 for an unknown address)."""
    users = users_with_email(email)
    with translation.override(language):
        for user in users:
            send_login_link(user)
    return len(users)


PASSWORD_RESET_EMAIL = {
    "subject_template_name": "people/emails/password_reset_subject.txt",
    "email_template_name": "people/emails/password_reset.txt",
    "html_email_template_name": "people/emails/password_reset.html",
}


@task()
def send_password_resets(email: str, language: str) -> int:
    """Django's password-reset mail for each account with ``email``, sent by the worker."""
    form = AccountPasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    scheme, _separator, host = settings.SITE_URL.rstrip("/").partition("://")
    with translation.override(language):
        form.save(
            domain_override=host,
            use_https=scheme == "https",
            extra_email_context={"valid_for": link_lifetime()},
            **PASSWORD_RESET_EMAIL,
        )
    return len(form.get_users(email))
