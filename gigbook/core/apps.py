from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gigbook.core"
    label = "core"
