import pytest


@pytest.mark.django_db
def test_the_start_page_answers_in_swedish(client):
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    assert 'lang="sv"' in content
    assert "Logga in för personal" in content


@pytest.mark.django_db
def test_an_unknown_page_answers_a_friendly_swedish_404(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Vi hittar inte sidan" in response.content.decode()
