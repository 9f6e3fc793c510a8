from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and protocols")

    def ready(self) -> None:
        from . import policy, signals

        signals.connect()
        policy.connect()
