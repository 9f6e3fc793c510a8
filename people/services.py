"""Following working groups and meeting series, and the switch for notification emails."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import Follow, Person

UNSUBSCRIBE_SALT = "people.services.notifications_off"


def follow_field(target: Model) -> str:
    """The Follow field that points at ``target``: a working group or a meeting series."""
    from meetings.models import MeetingSeries
    from projects.models import WorkingGroup

    if isinstance(target, WorkingGroup):
        return "working_group"
    if isinstance(target, MeetingSeries):
        return "series"
    raise TypeError(f"Cannot follow {type(target).__name__}.")


def follow_exists(*, user, target: Model) -> bool:
    """Whether the user follows the group or series; one query, none for anonymous users."""
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, **{follow_field(target): target}).exists()


def follow_toggle(*, user, target: Model) -> bool:
    """Follow the group or series, or stop following it. True when the user now follows it."""
    field = follow_field(target)
    deleted, _ = Follow.objects.filter(user=user, **{field: target}).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, **{field: target})
    except IntegrityError:  # a double click: the first request already made the follow
        pass
    return True


def notifications_enabled(*, user) -> bool:
    """Users without a linked person get emails until they turn them off."""
    person = Person.objects.filter(user=user).only("email_notifications").first()
    return person.email_notifications if person else True


def notifications_set(*, user, enabled: bool) -> Person:
    """Turn notification emails on or off.

    The switch lives on the user's person; a user without one gets a person made from
    the account, so that "off" is remembered.
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(user=user).first()
        if person is None:
            person = Person.objects.create(
                user=user,
                name=user.get_full_name() or user.get_username(),
                email=user.email,
                email_notifications=enabled,
            )
        elif person.email_notifications != enabled:
            person.email_notifications = enabled
            person._change_reason = "notifications on" if enabled else "notifications off"
            person.save(update_fields=["email_notifications"])
    return person


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_path_make(*, user) -> str:
    """The path of the page that turns a user's emails off without logging in.

    The link in an email must keep working, so the signature does not expire; it is
    bound to the user's id and the site's secret key.
    """
    uid = str(user.pk)
    return reverse(
        "people:notifications_off",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(uid)),
            "token": _signer().signature(uid),
        },
    )


def unsubscribe_user_get(*, uidb64: str, token: str):
    """The user an unsubscribe link belongs to, or None when the link is not genuine."""
    from django.contrib.auth import get_user_model

    try:
        uid = force_str(urlsafe_base64_decode(uidb64))
        signer = _signer()
        # unsign() also accepts signatures made with SECRET_KEY_FALLBACKS.
        signer.unsign(f"{uid}{signer.sep}{token}")
    except (ValueError, signing.BadSignature):
        return None
    return get_user_model().objects.filter(pk=uid).first()


def same_address(first: str, second: str) -> bool:
    def normal(address: str) -> str:
        return unicodedata.normalize("NFKC", address).casefold()

    return normal(first) == normal(second)


def users_with_email(email: str) -> list:
    """Active accounts with this address, whether or not they have a password."""
    candidates = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
    return [user for user in candidates if same_address(email, user.email)]
