"""Dated exchange rates: what one euro bought on a day (the form of the ECB's euro reference rates)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ExchangeRate(models.Model):
    """``per_euro`` units of ``currency`` for one euro on ``day``.

    Every conversion goes through the euro, as the published reference rates do: an amount in
    A is worth ``amount * per_euro(B) / per_euro(A)`` in B. The euro itself has no row (it is 1).
    The rate in force on a day is the latest one published on or before it.
    """

    day = models.DateField()
    currency = models.CharField(max_length=3)
    per_euro = models.DecimalField(max_digits=18, decimal_places=6)
    source = models.CharField(max_length=120, blank=True, help_text="Where the rate came from (a file, or staff).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="exchange_rate_one_per_currency_and_day"),
            models.CheckConstraint(condition=Q(per_euro__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(currency="EUR"), name="exchange_rate_not_for_the_euro"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: 1 EUR = {self.per_euro} {self.currency}"
