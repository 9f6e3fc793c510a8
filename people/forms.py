from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from meetings.policy import public_label

from .models import Person, PublicationLevel
from .services import users_with_email


class MyDataForm(forms.ModelForm):
    """What a user may change about themself: contact details and how their name is shown."""

    publication_level = forms.ChoiceField(
        label=_("How your name is shown in public protocols"),
        choices=PublicationLevel.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_("This applies to every protocol, also the old ones."),
    )

    class Meta:
        model = Person
        fields = ["email", "phone", "publication_level"]
        labels = {"email": _("Email"), "phone": _("Phone")}
        help_texts = {
            "email": _("We send news about your groups here. Only staff see it."),
            "phone": _("Only staff see your phone number."),
        }
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.publication_level:
            self.initial["publication_level"] = str(self.instance.effective_publication_level)

    def publication_examples(self) -> dict[str, str]:
        """How the person appears at each level, with their real name and current affiliation."""
        person = self.instance
        current = person.current_affiliations()
        first = current[0] if current else None
        return {
            level: public_label(
                level,
                person.name,
                role=first.role if first else "",
                organisation=first.organisation_label if first else "",
            )
            for level in PublicationLevel.values
        }

    def publication_options(self) -> list[tuple]:
        """(radio button, example) for the template: each choice shows how the name will look."""
        examples = self.publication_examples()
        return [(radio, examples[radio.data["value"]]) for radio in self["publication_level"]]


class AccountPasswordResetForm(PasswordResetForm):
    """Also people who were invited and never chose a password may choose one this way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")

    def get_users(self, email):
        return users_with_email(email)
