from django.db import models


class UsedActionToken(models.Model):
    """Records that a single-use action token was spent, in the same transaction as its action."""

    token_id = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=64)
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.purpose}:{self.token_id}"
