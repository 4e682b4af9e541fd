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

        # An unanswered engagement's dates expire together (one message per side listing them), so
        # the bookings sweep leaves them to the engagement and asks it to expire what is due first.
        from bookings.engagements.services.ending import engagements_expire_due, leave_out_engagement_dates
        from bookings.services.sweeps import ExpiryOwner, booking_expiry_owner_register

        booking_expiry_owner_register(ExpiryOwner(name="engagements", leave_out=leave_out_engagement_dates,
                                                  expire_due=engagements_expire_due))
