from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import translation


class ChosenLanguageMiddleware:
    """Swedish unless the visitor chose another language with the language switcher.

    Django's LocaleMiddleware would also follow the browser's Accept-Language, so a
    Swedish reader with an English browser would get an English interface around
    Swedish protocols. Here only an explicit choice (the language cookie that
    Django's set_language view writes) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


NUL = "\x00"
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def has_nul(*texts: str) -> bool:
    return any(NUL in text for text in texts)


class RefuseNulMiddleware:
    """Answers 400 Bad Request to a request with a NUL character in its address, query
    string, headers, cookies or form values.

    No browser sends one on its own, and PostgreSQL refuses NUL in text: a NUL that reaches
    a query (an admin filter, the session lookup, django-axes' record of a failed login
    with its User-Agent) is a server error. Refusing it here covers every view at once. Reading the form here parses
    nothing more than CsrfViewMiddleware would, with the same upload handlers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.carries_nul(request):
            return HttpResponseBadRequest(render_to_string("400.html"))
        return self.get_response(request)

    def carries_nul(self, request) -> bool:
        if has_nul(request.path_info):
            return True
        if any(has_nul(key, *values) for key, values in request.GET.lists()):
            return True
        headers = (value for key, value in request.META.items() if key.startswith("HTTP_"))
        if has_nul(*headers):
            return True
        if any(has_nul(key, value) for key, value in request.COOKIES.items()):
            return True
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            return any(has_nul(key, *values) for key, values in request.POST.lists())
        return False
