"""HEAD requests: the headers of a GET, no body (site_config/head.py)."""

from django.test import RequestFactory

from site_config.head import HeadWithoutBodyMiddleware


def test_head_gets_the_headers_of_get_and_no_body(client, make_post, settings):
    settings.PAGE_CACHE_ENABLED = True
    make_post()
    page = client.get("/")

    def view(request):
        return client.get("/")  # the site's own answer, cached after the first time

    middleware = HeadWithoutBodyMiddleware(view)
    head = middleware(RequestFactory().head("/"))
    assert head.content == b""
    assert head["Content-Length"] == str(len(page.content))
    assert head["ETag"] == page["ETag"]
    # A GET after it is served the whole page.
    assert middleware(RequestFactory().get("/")).content == page.content


def test_the_middleware_is_the_outermost(settings):
    assert settings.MIDDLEWARE[0] == "site_config.head.HeadWithoutBodyMiddleware"
