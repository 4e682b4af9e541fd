"""Staff keep the rates here: edits and deletions go through the services (caches follow)."""

from __future__ import annotations

from django.contrib import admin

from gigbook.exchange import services
from gigbook.exchange.models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["day", "currency", "per_euro", "source", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "day"
    readonly_fields = ["updated_at"]
    fields = ["day", "currency", "per_euro", "source", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not obj.source:
            obj.source = f"Entered by {request.user.get_username()}"
        services.rate_save(rate=obj)

    def delete_model(self, request, obj):
        services.rates_delete(rates=[obj])

    def delete_queryset(self, request, queryset):
        services.rates_delete(rates=list(queryset))
