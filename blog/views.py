"""Public pages of the blog. (First cut: home, post, draft preview, category, tag, page.)"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from blog.models import Category, Page, Post


class PostListView(ListView):
    paginate_by = 10
    template_name = "blog/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.published().for_lists()


class PostDetailView(DetailView):
    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def get_object(self, queryset=None):
        post = get_object_or_404(
            Post.objects.prefetch_related("categories", "tags"), slug=self.kwargs["slug"]
        )
        if not post.is_published() and not self.request.user.is_staff:
            raise Http404
        return post


class DraftPreviewView(PostDetailView):
    def get_object(self, queryset=None):
        if not self.request.user.is_staff:
            raise Http404
        return get_object_or_404(Post, pk=self.kwargs["pk"])


class CategoryView(PostListView):
    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(categories=self.category)


class TagView(PostListView):
    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)


class PageView(DetailView):
    template_name = "blog/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.filter(is_published=True)
