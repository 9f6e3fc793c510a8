"""Site-wide views that belong to no app."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    """A liveness check for load balancers: renders a tiny template, touches no database.

    The benchmark also uses it as the floor of this stack (Django, gunicorn, middleware).
    """
    return render(request, "health.html")
