from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "bookings.engagements"
    label = "engagements"
    verbose_name = "Multi-date engagements"

    def ready(self) -> None:
        # The dates of an engagement are answered together on the engagement, not one booking at a
        # time: the booking lifecycle asks this guard before every accept, decline or counter.
        from bookings.engagements.services.rules import engagement_answer_guard
        from bookings.services.common import booking_answer_guard_register

        booking_answer_guard_register(engagement_answer_guard)
