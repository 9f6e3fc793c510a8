"""The people app's public URLs: accounts, following and "Mina sidor", and a user's own data."""

from . import urls_account, urls_data, urls_follow

app_name = "people"
urlpatterns = [*urls_account.urlpatterns, *urls_follow.urlpatterns, *urls_data.urlpatterns]
