from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin_changelist import SafeChangeListMixin
from config.admin_history import HistoryAdmin
from config.admin_preload import PreloadingInlineMixin
from meetings.policy import person_public_name

from .admin_actions import invite_people
from .admin_data_actions import anonymise_people, export_people_json
from .models import Affiliation, Person, public_name_prefetch


class AffiliationInline(PreloadingInlineMixin, admin.TabularInline):
    model = Affiliation
    extra = 1
    autocomplete_fields = ["organisation"]
    preload_select_related = ["organisation"]


@admin.register(Person)
class PersonAdmin(HistoryAdmin):
    list_display = ["name", "affiliation_summary", "publication_level_display", "user"]
    list_filter = ["publication_level", "created_by_import", "affiliations__organisation"]
    search_fields = ["name", "aliases", "email", "affiliations__organisation__name"]
    autocomplete_fields = ["user"]
    inlines = [AffiliationInline]
    actions = [invite_people, export_people_json, anonymise_people]
    list_select_related = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "aliases", "publication_level"]}),
        (_("Contact details"), {"fields": ["email", "phone", "user"]}),
        (_("Import"), {"fields": ["created_by_import"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(public_name_prefetch())

    @admin.display(description=_("affiliation"))
    def affiliation_summary(self, person: Person) -> str:
        return "; ".join(str(a) for a in person.current_affiliations())

    @admin.display(description=_("shown publicly as"))
    def publication_level_display(self, person: Person) -> str:
        return person_public_name(person)


# django-axes' lists of login attempts have a date hierarchy too: the change list that
# answers an impossible date with the admin's "?e=1" page (config.admin_changelist).
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        _axes_admin = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(_axes_admin.__name__, (SafeChangeListMixin, _axes_admin), {})
        )
