from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gigbook.accounts"
    label = "accounts"
