from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Keeping the site running: backup sets, restore, health checks, the task worker.

    The top floor of the house: it reads every app's models, and no app imports it.
    """

    name = "operations"
    verbose_name = _("Operations")
