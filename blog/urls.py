"""The blog's public addresses."""

from django.urls import path

from blog import views

app_name = "blog"

urlpatterns = [
    path("", views.PostListView.as_view(), name="home"),
    path(
        "<int:year>/<str:month>/<str:day>/<slug:slug>/",
        views.PostDetailView.as_view(),
        name="post",
    ),
    path("draft/<int:pk>/", views.DraftPreviewView.as_view(), name="draft"),
    path("categories/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("<slug:slug>/", views.PageView.as_view(), name="page"),
]
