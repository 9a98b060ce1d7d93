"""The contact form's addresses."""

app_name = "contact"

urlpatterns: list = []
