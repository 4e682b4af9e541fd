"""The review rules: once per side, only after completion, within 30 days, blind until both or the
window closes, one reply, strangers refused; ratings follow visible reviews only."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking
from gigbook.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from musicians.models import MusicianProfile
from trust import selectors, services
from trust.models import AuditEntry, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(gig, profile):
    return gig(profile, state="completed")


def visible_to_public(booking) -> list[int]:
    return list(selectors.reviews_visible(subject_id=None).filter(booking=booking).values_list("pk", flat=True))


def test_each_side_reviews_once_and_reviews_stay_blind_until_both_are_in(done, producer, profile, frozen_clock):
    musician = profile.user
    mine = services.review_create(author=producer, booking_id=done.pk, rating=5, text="Nailed the chart first take.",
                                  aspects={"preparation": 5, "reading": "5", "feel": 4})
    assert (mine.direction, mine.subject) == (Review.Direction.OF_MUSICIAN, musician)
    assert mine.aspects == {"preparation": 5, "reading": 5, "feel": 4}
    # Blind: nobody else sees it, it does not count yet, and the musician is told only that it exists.
    assert visible_to_public(done) == []
    assert list(selectors.reviews_for_user(user=musician)) == []
    assert list(selectors.reviews_for_user(user=producer)) == [mine]
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (None, 0)
    waiting = Notification.objects.get(recipient=musician, kind="trust_review_waiting")
    assert "Nailed" not in waiting.body and "5" not in waiting.title

    with pytest.raises(Conflict) as excinfo:
        services.review_create(author=producer, booking_id=done.pk, rating=1)
    assert excinfo.value.code == "already_reviewed"

    frozen_clock.advance(timedelta(days=3))
    theirs = services.review_create(author=musician, booking_id=done.pk, rating=4, text="Paid the same day.",
                                    aspects={"paid_on_time": 5, "punctuality": 3})
    assert theirs.direction == Review.Direction.OF_PRODUCER
    assert sorted(visible_to_public(done)) == sorted([mine.pk, theirs.pk])
    assert Review.objects.filter(published_at=frozen_clock.now()).count() == 2
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (Decimal("5.00"), 1)
    assert Notification.objects.filter(kind="trust_review_published").count() == 2


def test_only_completed_bookings_can_be_reviewed(gig, profile, producer):
    for state in ("offered", "declined", "accepted"):
        booking = gig(profile, state=state)
        with pytest.raises(InvalidTransition) as excinfo:
            services.review_create(author=producer, booking_id=booking.pk, rating=5)
        assert excinfo.value.code == "not_completed"
    assert not Review.objects.exists()


def test_nobody_can_review_someone_they_never_booked(done, make_user, make_musician, producer):
    stranger = make_user(producer=True, email="stranger@example.com")
    other_musician = make_musician("Other Player").user
    for outsider in (stranger, other_musician):
        with pytest.raises(NotFound):
            services.review_create(author=outsider, booking_id=done.pk, rating=1, text="Never met them")
    with pytest.raises(NotFound):
        services.review_create(author=producer, booking_id=999999, rating=5)
    assert not Review.objects.exists()


def test_the_window_is_30_days_from_completion(done, producer, profile, frozen_clock):
    frozen_clock.set(done.completed_at + timedelta(days=30) - timedelta(seconds=1))
    services.review_create(author=producer, booking_id=done.pk, rating=4)
    frozen_clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidTransition) as excinfo:
        services.review_create(author=profile.user, booking_id=done.pk, rating=4)
    assert excinfo.value.code == "review_window_closed"


def test_a_lone_review_appears_when_the_window_closes_and_the_sweep_counts_it(done, producer, profile, frozen_clock):
    review = services.review_create(author=producer, booking_id=done.pk, rating=3)
    frozen_clock.set(review.window_closes_at - timedelta(minutes=1))
    assert visible_to_public(done) == []
    frozen_clock.set(review.window_closes_at)
    assert visible_to_public(done) == [review.pk]  # computed on read, before any sweep
    assert services.reviews_publish_due() == 1
    assert services.reviews_publish_due() == 0  # harmless to repeat
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (Decimal("3.00"), 1)
    review.refresh_from_db()
    assert review.published_at == review.window_closes_at
    assert Notification.objects.filter(recipient=profile.user, kind="trust_review_published").count() == 1


@pytest.mark.parametrize("rating", [0, 6, "4.5", "four", None, True, 4.5])
def test_rating_must_be_whole_stars(done, producer, rating):
    with pytest.raises(ValidationFailed) as excinfo:
        services.review_create(author=producer, booking_id=done.pk, rating=rating)
    assert "rating" in excinfo.value.fields


def test_text_and_aspects_are_checked(done, producer):
    with pytest.raises(ValidationFailed) as excinfo:
        services.review_create(author=producer, booking_id=done.pk, rating=5, text="x" * 1001)
    assert "text" in excinfo.value.fields
    with pytest.raises(ValidationFailed) as excinfo:  # a producer's aspect is not the musician's
        services.review_create(author=producer, booking_id=done.pk, rating=5, aspects={"paid_on_time": 5})
    assert "aspects" in excinfo.value.fields
    with pytest.raises(ValidationFailed):
        services.review_create(author=producer, booking_id=done.pk, rating=5, aspects={"feel": 9})


def test_the_database_refuses_a_second_review_by_the_same_side(done, producer):
    services.review_create(author=producer, booking_id=done.pk, rating=5)
    first = Review.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(booking=done, author=producer, subject=first.subject, direction=first.direction,
                              rating=1, created_at=first.created_at, window_closes_at=first.window_closes_at)


@pytest.mark.django_db(transaction=True)
def test_two_taps_at_once_write_one_review(gig, profile, producer, now):
    done = gig(profile, state="completed")
    barrier = threading.Barrier(4)
    outcomes = []

    def write():
        try:
            barrier.wait(timeout=10)
            services.review_create(author=producer, booking_id=done.pk, rating=5)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["409", "409", "409", "ok"]
    assert Review.objects.count() == 1


def test_the_reviewed_person_replies_once_and_only_to_a_visible_review(done, producer, profile, make_user):
    review = services.review_create(author=producer, booking_id=done.pk, rating=2, text="Late and unprepared.")
    with pytest.raises(NotFound):  # still blind: the musician cannot see it, so cannot answer it
        services.review_reply(author=profile.user, review_id=review.pk, text="Not fair")
    services.review_create(author=profile.user, booking_id=done.pk, rating=5)
    with pytest.raises(NotFound):  # only the subject replies
        services.review_reply(author=producer, review_id=review.pk, text="Me too")
    with pytest.raises(ValidationFailed):
        services.review_reply(author=profile.user, review_id=review.pk, text="   ")
    services.review_reply(author=profile.user, review_id=review.pk, text="The call time changed at 1 am.")
    with pytest.raises(Conflict) as excinfo:
        services.review_reply(author=profile.user, review_id=review.pk, text="And another thing")
    assert excinfo.value.code == "already_replied"
    review.refresh_from_db()
    assert review.reply_text == "The call time changed at 1 am."
    assert Notification.objects.filter(recipient=producer, kind="trust_review_reply").count() == 1


def test_hidden_reviews_leave_the_rating_and_the_page(gig, profile, producer, make_user, moderator):
    other = make_user(producer=True, full_name="Bea Booker", email="bea@example.com")
    first = gig(profile, state="completed")
    second = gig(profile, state="completed", by=other)
    services.review_create(author=producer, booking_id=first.pk, rating=5)
    services.review_create(author=profile.user, booking_id=first.pk, rating=5)
    harsh = services.review_create(author=other, booking_id=second.pk, rating=1, text="Rude")
    services.review_create(author=profile.user, booking_id=second.pk, rating=3)
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (Decimal("3.00"), 2)

    services.review_hide(review_id=harsh.pk, by=moderator, reason="Personal attack, not about the gig.")
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (Decimal("5.00"), 1)
    assert harsh.pk not in selectors.reviews_visible(profile_id=profile.pk).values_list("pk", flat=True)
    assert "Personal attack" in Notification.objects.get(recipient=other, kind="trust_review_hidden").body
    assert AuditEntry.objects.filter(action="review.hide", target_id=str(harsh.pk)).count() == 1

    services.review_restore(review_id=harsh.pk, by=moderator)
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (Decimal("3.00"), 2)


def test_reviews_of_producers_do_not_change_the_musician_rating(done, producer, profile):
    services.review_create(author=profile.user, booking_id=done.pk, rating=1)
    services.review_create(author=producer, booking_id=done.pk, rating=4)
    profile.refresh_from_db()
    assert (profile.rating_avg, profile.rating_count) == (Decimal("4.00"), 1)


def test_ratings_feed_the_search_order(gig, make_musician, producer):
    low, high = make_musician("Low Rated"), make_musician("High Rated")
    for player, stars in ((low, 2), (high, 5)):
        booking = gig(player, state="completed")
        services.review_create(author=producer, booking_id=booking.pk, rating=stars)
        services.review_create(author=player.user, booking_id=booking.pk, rating=5)
    ordered = list(
        MusicianProfile.objects.filter(pk__in=[low.pk, high.pk]).order_by("-rating_avg").values_list("pk", flat=True)
    )
    assert ordered == [high.pk, low.pk]


def test_completed_gigs_invite_both_sides_to_review_once(done, producer, profile):
    assert services.review_invitations_send() == 2
    assert services.review_invitations_send() == 0
    assert Notification.objects.filter(kind="trust_review_invite").count() == 2
    assert Booking.objects.get(pk=done.pk).status == Booking.Status.COMPLETED


def test_to_review_lists_only_my_completed_unreviewed_gigs_in_the_window(gig, profile, producer, frozen_clock):
    done = gig(profile, state="completed")
    gig(profile, state="accepted")
    assert list(selectors.bookings_to_review(user=producer)) == [done]
    assert list(selectors.bookings_to_review(user=profile.user)) == [done]
    services.review_create(author=producer, booking_id=done.pk, rating=4)
    assert list(selectors.bookings_to_review(user=producer)) == []
    frozen_clock.set(done.completed_at + timedelta(days=31))
    assert list(selectors.bookings_to_review(user=profile.user)) == []
