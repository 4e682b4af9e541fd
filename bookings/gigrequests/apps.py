from django.apps import AppConfig


class GigRequestsConfig(AppConfig):
    name = "bookings.gigrequests"
    label = "gigrequests"
    verbose_name = "Short-notice gig requests"

    def ready(self):
        # Search and profile pages mark players already on the producer's first-call lists.
        from bookings.gigrequests.selectors import first_call_pairs
        from musicians import producer_context

        producer_context.register(first_call=first_call_pairs)
