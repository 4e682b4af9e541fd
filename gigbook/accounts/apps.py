from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gigbook.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Registers the failed-sign-in counter (security plumbing, not a business rule).
        from gigbook.accounts import ratelimit  # noqa: F401

