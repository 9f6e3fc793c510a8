from django.contrib import admin
from django.db import models

from config.admin_history import HistoryAdmin

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "kind", "parent", "created_by_import"]
    list_filter = ["kind", "created_by_import"]
    search_fields = ["name", "short_name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
