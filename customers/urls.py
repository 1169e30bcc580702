"""The Customers section (/customers/, URL names customers:...)."""

from django.urls import path, re_path

from . import views

# Customer ids only (cust_...), so a customer's pages never shadow the section's own URLs.
CUSTOMER = r"^(?P<customer_id>cust_[A-Za-z0-9]+)/"

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    re_path(CUSTOMER + r"$", views.CustomerDetailView.as_view(), name="detail"),
    re_path(CUSTOMER + r"activity/$", views.CustomerActivityView.as_view(), name="activity"),
]
