from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # The search page offers the producer's venues without musicians importing bookings.
        from bookings.selectors import venue_places_for_owner
        from musicians import producer_context

        producer_context.register(places=venue_places_for_owner)
