"""Every admin write to protocol content runs inside the publication policy's guard.

The admin's change form, its list (bulk actions and editable columns), delete pages and
history revert all save inside ``policy.protocol_guard``: a change that would put on a
published protocol something the publish check refuses is rolled back whole. The change
form is then shown again from what the staff member posted, with the reasons, so nothing
they typed is lost.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from . import policy


def refusal_messages(refused: policy.ProtocolChangeRefused) -> list[str]:
    return list(refused.messages)


def _forget_messages(request: HttpRequest) -> None:
    """Drop what the rolled-back save told the user ("… was changed successfully")."""
    storage = messages.get_messages(request)
    for _message in storage:
        pass


class ProtocolGuardAdminMixin:
    """For the admin of a model whose rows are protocol text (meeting, item, action)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or getattr(request, "_protocol_refused", None):
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic(), policy.protocol_guard():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except policy.ProtocolChangeRefused as refused:
            _forget_messages(request)
            # Again from the same POST: the form now fails validation with the reasons,
            # and the admin shows every value as it was typed. Nothing is saved.
            request._protocol_refused = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "_protocol_refused", None)
        if refused is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                for message in refusal_messages(refused):
                    self.add_error(None, message)
                return cleaned

        return RefusedForm

    def _guarded(self, request: HttpRequest, view, back: str) -> HttpResponse:
        if request.method != "POST":
            return view()
        try:
            with transaction.atomic(), policy.protocol_guard():
                return view()
        except policy.ProtocolChangeRefused as refused:
            _forget_messages(request)
            for message in refusal_messages(refused):
                messages.error(request, message)
            return HttpResponseRedirect(back)

    def changelist_view(self, request, extra_context=None):
        return self._guarded(
            request,
            lambda: super(ProtocolGuardAdminMixin, self).changelist_view(request, extra_context),
            request.get_full_path(),
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._guarded(
            request,
            lambda: super(ProtocolGuardAdminMixin, self).delete_view(
                request, object_id, extra_context
            ),
            request.get_full_path(),
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return self._guarded(
            request,
            lambda: super(ProtocolGuardAdminMixin, self).history_form_view(
                request, object_id, version_id, extra_context
            ),
            request.get_full_path(),
        )
