"""The Stacking Rules tab of the Redemptions section, mounted at /redemptions/stacking-rules/."""

from django.urls import path

from . import views

app_name = "stacking"
urlpatterns = [
    path("", views.rules_page, name="rules"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<str:pk>/edit/", views.category_edit, name="category_edit"),
]
