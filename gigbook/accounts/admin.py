from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gigbook.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_producer", "is_musician", "is_staff", "is_active"]
    list_filter = ["is_producer", "is_musician", "is_staff", "is_active"]
    search_fields = ["email", "full_name", "phone"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "phone", "time_zone", "is_producer", "is_musician"]}),
        ("Notifications", {"fields": ["notify_by_email", "notify_by_sms"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
