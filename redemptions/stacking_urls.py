"""The Stacking Rules tab of the Redemptions section, mounted at /redemptions/stacking-rules/ (URL names
``stacking:...``)."""

from django.urls import path

from . import stacking_views as views

app_name = "stacking"
urlpatterns = [
    path("", views.rules_page, name="rules"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<str:pk>/edit/", views.category_edit, name="category_edit"),
]
