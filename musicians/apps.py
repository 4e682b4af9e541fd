from django.apps import AppConfig


class MusiciansConfig(AppConfig):
    name = "musicians"
