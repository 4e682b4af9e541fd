from django.apps import AppConfig


class GigRequestsConfig(AppConfig):
    name = "bookings.gigrequests"
    label = "gigrequests"
    verbose_name = "Short-notice gig requests"
