"""“My data”: a user sees and changes their own contact details and publication level,
and downloads everything stored about them. Only ever the logged-in user's own person."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .data import person_export
from .forms import MyDataForm
from .models import Person, public_name_prefetch


def own_person(request: HttpRequest) -> Person | None:
    """The person linked to the logged-in user; never one chosen by the request."""
    return Person.objects.prefetch_related(public_name_prefetch()).filter(user=request.user).first()


def no_person(request: HttpRequest) -> HttpResponse:
    return render(request, "people/my_data_no_person.html")


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    person = own_person(request)
    if person is None:
        return no_person(request)
    if request.method == "POST":
        form = MyDataForm(request.POST, instance=person)
        if form.is_valid():
            if form.has_changed():
                with transaction.atomic():  # the person, its history and the page version
                    form.save()
                messages.success(request, _("Your details are saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("people:my_data")
        messages.error(request, _("Your details were not saved. Look at the fields marked in red."))
    else:
        form = MyDataForm(instance=person)
    return render(request, "people/my_data.html", {"person": person, "form": form})


@never_cache
@login_required
def my_data_export(request: HttpRequest) -> HttpResponse:
    person = own_person(request)
    if person is None:
        return no_person(request)
    content = json.dumps(person_export(person=person), ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mina-uppgifter.json"'
    return response
