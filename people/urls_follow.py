from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [
    path(
        "mina-sidor/",
        login_required(TemplateView.as_view(template_name="people/my_page.html")),
        name="my_page",
    ),
]
