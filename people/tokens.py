"""One-time, expiring tokens for invitations and login links.

Django's password reset token already has what we need: its hash includes the
user's password and last login, so it stops working as soon as the person logs in
or sets a password, and it expires after ``settings.PASSWORD_RESET_TIMEOUT``.
A different salt for each purpose keeps a login link from working as an
invitation and the other way round.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "people.tokens.InvitationTokenGenerator"


class LoginLinkTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "people.tokens.LoginLinkTokenGenerator"


invitation_token = InvitationTokenGenerator()
login_link_token = LoginLinkTokenGenerator()
