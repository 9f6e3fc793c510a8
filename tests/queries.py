from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.page_cache import CACHE_ALIAS


def count_queries(client, url: str) -> int:
    """How many SQL queries one successful GET of the page costs once process caches are warm.

    The first request of a test process fills caches such as ContentType's, which would
    make whichever page is measured first look one query dearer. The page cache is
    emptied before the measured request, so this is the cost of rendering the page.
    """
    client.get(url)
    caches[CACHE_ALIAS].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)
