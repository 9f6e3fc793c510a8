from django.conf import settings
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
