"""Template context every page needs: the site's identity and absolute address."""

from django.conf import settings

from blog.models import SiteIdentity


def site(request):
    return {"site": SiteIdentity.current(), "SITE_URL": settings.SITE_URL}
