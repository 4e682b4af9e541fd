from django.db import models


class UsedActionToken(models.Model):
    """Records that a single-use action token was spent, in the same transaction as its action."""

    token_id = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=64)
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.purpose}:{self.token_id}"


class ShortLink(models.Model):
    """A short alias (``/s/<code>``) for a long link on this site, for text messages.

    The alias only stands in for the path: the page it opens is the target's own view, so a
    signed single-use token in the target keeps all its rules (expiry, one answer)."""

    code = models.CharField(max_length=16, unique=True)
    target = models.CharField(max_length=1000)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"/s/{self.code}"
