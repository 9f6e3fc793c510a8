import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages(client):
    """The importer's tests read its English source messages; Swedish is tested in test_i18n."""
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield
