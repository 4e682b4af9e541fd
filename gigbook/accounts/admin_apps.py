from django.contrib.admin.apps import AdminConfig


class GigBookAdminConfig(AdminConfig):
    """django.contrib.admin, served by our site (sign-in limits and a second factor for staff)."""

    default_site = "gigbook.accounts.admin_site.GigBookAdminSite"
