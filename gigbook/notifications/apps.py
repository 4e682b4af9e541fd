from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gigbook.notifications"
    label = "notifications"
