from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # The search page offers the producer's venues without musicians importing bookings.
        from bookings.selectors import venue_places_for_owner
        from musicians import producer_context

        producer_context.register(places=venue_places_for_owner)
        # Confirmations the accept wrote and could not render after commit (the process died).
        from bookings.messages import ACCEPTED, render_accepted
        from gigbook.notifications.rendering import renderer_register

        renderer_register(ACCEPTED, render_accepted)
