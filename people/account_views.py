"""Getting in: invitations, login links by email, password login, logout and password reset.

Links sent by email never log anyone in on GET: mail scanners open links before
the person does. The page behind a link shows a button (a POST with a CSRF token)
and only that logs in. The tokens (people/tokens.py) stop working once used.
"""

from __future__ import annotations

import hashlib

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from .emails import link_lifetime, send_login_links, send_password_resets
from .forms import AccountPasswordResetForm
from .tokens import invitation_token, login_link_token

# A link logs in without a password, so say which backend vouches for the user
# (django-axes' backend only guards password checks).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# Requests for login links and password resets, per IP address and per email address.
LINK_REQUEST_LIMIT = 5
LINK_REQUEST_WINDOW = 60 * 60  # seconds


# --- Forms ------------------------------------------------------------------------------


class EmailLoginForm(AuthenticationForm):
    """Django's login form, asking for the email address: invitations use it as the username."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "The email address or the password is wrong. Try again, or get a login link by email."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = gettext_lazy("Email address")
        username.widget.attrs.update({"inputmode": "email", "autocapitalize": "none"})

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        # AuthenticationForm sets max_length after the field is built, so nothing checks
        # it: a longer value would reach authenticate() and django-axes' 255-character
        # username column (a server error on PostgreSQL). No account has such a name.
        limit = self.username_field.max_length
        if len(username) > limit:
            raise ValidationError(
                _("This is too long for an email address: at most %(limit)d characters."),
                code="max_length",
                params={"limit": limit},
            )
        # Usernames made from email addresses are lower case; staff usernames keep theirs.
        return username.lower() if "@" in username else username


class LoginLinkForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


# --- Helpers ----------------------------------------------------------------------------


def user_from_uidb64(uidb64: str):
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(urlsafe_base64_decode(uidb64).decode())
        return user_model._default_manager.get(pk=pk, is_active=True)
    except (TypeError, ValueError, OverflowError, user_model.DoesNotExist, ValidationError):
        return None


def allow_link_request(request, email: str) -> bool:
    """Count one request for a link; False when this address or this email asked too often.

    Counts in Django's default cache: shared by every server when DJANGO_CACHE_URL
    points at Redis, per process otherwise. The address is the one axes counts
    (config.client_address: the visitor's, also behind the proxy).
    """
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    keys = [f"people:link-requests:email:{digest}"]
    ip_address = get_client_ip_address(request)
    if ip_address:
        keys.append(f"people:link-requests:ip:{ip_address}")
    allowed = True
    for key in keys:
        cache.add(key, 0, LINK_REQUEST_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, LINK_REQUEST_WINDOW)
            count = 1
        allowed = allowed and count <= LINK_REQUEST_LIMIT
    return allowed


def too_many_requests(request):
    return render(request, "people/account/too_many_requests.html", status=429)


def link_not_working(request):
    """A used, expired or broken link: say so kindly and offer a new login link."""
    return render(request, "people/account/link_invalid.html", {"form": LoginLinkForm()})


# --- Password login and logout ----------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "people/account/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("You are logged in."))
        return response


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST (the button in the menu); a GET shows that button on a page."""

    http_method_names = ["get", "post", "options"]
    template_name = "people/account/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            messages.success(request, _("You are logged out."))
        return response


# --- Links by email ---------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class TokenLinkView(View):
    """A page behind a one-time link. Nothing happens on GET; the POST uses up the link."""

    token_generator = None
    template_name = ""

    def dispatch(self, request, *args, **kwargs):
        self.link_user = user_from_uidb64(kwargs["uidb64"])
        if self.link_user is None or not self.token_generator.check_token(
            self.link_user, kwargs["token"]
        ):
            return link_not_working(request)
        return super().dispatch(request, *args, **kwargs)

    def log_in(self) -> None:
        login(self.request, self.link_user, backend=MODEL_BACKEND)


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class InvitationView(TokenLinkView):
    """The link in an invitation: choose a password (or skip it) and you are logged in."""

    token_generator = invitation_token
    template_name = "people/account/invitation.html"

    def get(self, request, *args, **kwargs):
        return self.show(SetPasswordForm(self.link_user))

    def post(self, request, *args, **kwargs):
        if "skip" in request.POST:
            self.log_in()
            messages.success(
                request,
                _("Welcome! You are logged in. Next time you can get a login link by email."),
            )
            return redirect("people:my_page")
        form = SetPasswordForm(self.link_user, request.POST)
        if not form.is_valid():
            return self.show(form)
        form.save()
        self.log_in()
        messages.success(request, _("Your password is saved and you are logged in. Welcome!"))
        return redirect("people:my_page")

    def show(self, form):
        person = getattr(self.link_user, "person", None)
        context = {"form": form, "name": person.name if person else self.link_user.first_name}
        return render(self.request, self.template_name, context)


class LoginLinkConfirmView(TokenLinkView):
    """The link in a login-link email: one button logs in."""

    token_generator = login_link_token
    template_name = "people/account/login_link_confirm.html"

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        self.log_in()
        messages.success(request, _("You are logged in."))
        return redirect("people:my_page")


class LoginLinkRequestView(FormView):
    """Ask for a login link. The answer never tells whether the address is known."""

    form_class = LoginLinkForm
    template_name = "people/account/login_link_request.html"

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not allow_link_request(self.request, email):
            return too_many_requests(self.request)
        # The worker finds out whether the address is known (people.emails).
        send_login_links.enqueue(email, get_language())
        return redirect("people:login_link_sent")


class LoginLinkSentView(TemplateView):
    template_name = "people/account/login_link_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(valid_for=link_lifetime(), **kwargs)


# --- Password reset ---------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = AccountPasswordResetForm
    template_name = "people/account/password_reset_form.html"
    success_url = reverse_lazy("people:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not allow_link_request(self.request, email):
            return too_many_requests(self.request)
        # Not form.save(): that looks the address up and mails inside the request.
        send_password_resets.enqueue(email, get_language())
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "people/account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "people/account/password_reset_confirm.html"
    success_url = reverse_lazy("people:password_reset_complete")
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "people/account/password_reset_complete.html"
