"""Admin actions on people. Registered in people/admin.py."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .emails import send_invitation
from .models import Person

logger = logging.getLogger(__name__)


class CannotInvite(Exception):
    pass


@transaction.atomic
def account_for(person: Person):
    """The person's account: their own, one with their email as username, or a new one.

    One transaction: an account is never left made but not linked to its person."""
    user_model = get_user_model()
    email = person.email.strip()
    user = person.user
    if user is None:
        username = email.lower()
        user = user_model._default_manager.filter(username=username).first()
        if user is not None and Person.objects.filter(user=user).exists():
            raise CannotInvite("taken")
        if user is None:
            if len(username) > user_model._meta.get_field("username").max_length:
                raise CannotInvite("failed")
            user = user_model(username=username, email=email, is_active=True)
            user.set_unusable_password()
            user.save()
    if not user.is_active:
        raise CannotInvite("inactive")
    if person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user"])
    if not user.email:
        user.email = email
        user.save(update_fields=["email"])
    return user


@admin.action(description=gettext_lazy("Invite to log in"), permissions=["change"])
def invite_people(modeladmin, request, queryset):
    """Email each selected person a one-time link to log in and choose a password."""
    invited: list[str] = []
    problems: dict[str, list[str]] = {"no_email": [], "taken": [], "inactive": [], "failed": []}
    for person in queryset.select_related("user"):
        if not person.email.strip():
            problems["no_email"].append(person.name)
            continue
        try:
            user = account_for(person)
            send_invitation(request, person, user)
        except CannotInvite as problem:
            problems[str(problem)].append(person.name)
        except Exception:  # a mail server that does not answer must not stop the others
            logger.exception("Could not send an invitation to person %s", person.pk)
            problems["failed"].append(person.name)
        else:
            invited.append(person.name)

    if invited:
        modeladmin.message_user(
            request,
            ngettext(
                "Sent an invitation to %(count)d person: %(names)s.",
                "Sent invitations to %(count)d people: %(names)s.",
                len(invited),
            )
            % {"count": len(invited), "names": ", ".join(invited)},
            messages.SUCCESS,
        )
    texts = {
        "no_email": _("Not invited, no email address: %(names)s. Add an address and try again."),
        "taken": _(
            "Not invited, the email address is already used by another person's account: %(names)s."
        ),
        "inactive": _("Not invited, the account is switched off: %(names)s."),
        "failed": _(
            "The invitation could not be sent to: %(names)s. Check the address and try again."
        ),
    }
    for kind, names in problems.items():
        if names:
            level = messages.ERROR if kind == "failed" else messages.WARNING
            modeladmin.message_user(request, texts[kind] % {"names": ", ".join(names)}, level)
