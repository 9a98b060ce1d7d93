"""The blog's public addresses. `/feed.xml` is the old Jekyll feed's address, kept on purpose."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path
from django.views.generic import RedirectView

from blog import feeds, views
from blog.sitemaps import SITEMAPS

app_name = "blog"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feed.xml", feeds.LatestPostsFeed(), name="feed"),
    path("atom.xml", feeds.LatestPostsAtomFeed(), name="atom"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("favicon.ico", views.FaviconView.as_view(), name="favicon"),
    path("search/", views.search_view, name="search"),
    path("archives/", views.ArchivesView.as_view(), name="archives"),
    path("<int:year>/", views.PostYearArchiveView.as_view(), name="year"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        views.PostMonthArchiveView.as_view(),
        name="month",
    ),
    # Day archives (jekyll-archives made them): the month's page, a day being too little.
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/[0-9]{2}/$",
        RedirectView.as_view(pattern_name="blog:month", permanent=True),
        name="day",
    ),
    path(
        "<int:year>/<str:month>/<str:day>/<slug:slug>/",
        views.PostDetailView.as_view(),
        name="post",
    ),
    path("draft/<int:pk>/", views.DraftPreviewView.as_view(), name="draft"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("categories/<slug:slug>/feed.xml", feeds.CategoryFeed(), name="category-feed"),
    path("categories/<slug:slug>/atom.xml", feeds.CategoryAtomFeed(), name="category-atom"),
    path("tags/", views.TagListView.as_view(), name="tags"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("tags/<slug:slug>/feed.xml", feeds.TagFeed(), name="tag-feed"),
    path("tags/<slug:slug>/atom.xml", feeds.TagAtomFeed(), name="tag-atom"),
    path("<slug:slug>/", views.PageView.as_view(), name="page"),
]
