from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Moderation and trust"
    default_auto_field = "django.db.models.BigAutoField"
