"""The author's desk: posts, categories and pages in the admin. (First cut.)"""

from django.contrib import admin

from blog.models import Category, Page, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "is_published", "published_at"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_published"]
