"""Reports, endorsements, recommendations on decline, and the figures computed from bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from bookings.models import Booking
from bookings.phone import OFFER_PURPOSE
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.core.tokens import action_token_make, action_token_read
from gigbook.notifications.models import Notification
from musicians.models import MusicianProfile
from trust import selectors, services
from trust.models import AuditEntry, Endorsement, Recommendation, Report
from trust.services.reports import TooManyReports

pytestmark = pytest.mark.django_db


# --- Reports -----------------------------------------------------------------------------------------


def test_one_open_report_per_reporter_and_profile(profile, producer, moderator, now):
    report = services.report_create(reporter=producer, profile_id=profile.pk, reason="off_platform",
                                    details="Asked me to pay cash to avoid the fee.")
    with pytest.raises(Conflict) as excinfo:
        services.report_create(reporter=producer, profile_id=profile.pk, reason="spam")
    assert excinfo.value.code == "already_reported"
    services.report_resolve(report_id=report.pk, by=moderator, outcome="warned", note="Called them.")
    # Once resolved, a new problem can be reported.
    services.report_create(reporter=producer, profile_id=profile.pk, reason="no_show")
    assert Report.objects.filter(profile=profile).count() == 2


def test_resolving_tells_the_reporter_the_outcome_but_not_the_note(profile, producer, moderator, now):
    report = services.report_create(reporter=producer, profile_id=profile.pk, reason="fake")
    services.report_resolve(report_id=report.pk, by=moderator, outcome="no_action", note="Verified their ID.")
    note = Notification.objects.get(recipient=producer, kind="trust_report_resolved")
    assert "found nothing against our rules" in note.body
    assert "Verified" not in note.body
    entry = AuditEntry.objects.get(action="report.resolve")
    assert (entry.actor, entry.reason_code, entry.reason) == (moderator, "no_action", "Verified their ID.")
    with pytest.raises(InvalidTransition):
        services.report_resolve(report_id=report.pk, by=moderator, outcome="warned")
    assert Notification.objects.filter(kind="trust_report_resolved").count() == 1


@override_settings(TRUST_REPORTS_PER_HOUR=3, TRUST_REPORTS_PER_DAY=5)
def test_reports_are_rate_limited_per_hour_and_per_day(make_musician, producer, frozen_clock, now):
    profiles = [make_musician(f"Player {n}") for n in range(7)]
    for target in profiles[:3]:
        services.report_create(reporter=producer, profile_id=target.pk, reason="spam")
    with pytest.raises(TooManyReports) as excinfo:
        services.report_create(reporter=producer, profile_id=profiles[3].pk, reason="spam")
    assert excinfo.value.status_code == 429
    frozen_clock.advance(timedelta(hours=1, seconds=1))
    for target in profiles[3:5]:
        services.report_create(reporter=producer, profile_id=target.pk, reason="spam")
    with pytest.raises(TooManyReports):  # 5 in the last day
        services.report_create(reporter=producer, profile_id=profiles[5].pk, reason="spam")
    frozen_clock.advance(timedelta(days=1))
    services.report_create(reporter=producer, profile_id=profiles[5].pk, reason="spam")
    assert Report.objects.count() == 6


def test_report_input_and_visibility_rules(make_musician, producer, profile, now):
    hidden = make_musician("Draft Player", status=MusicianProfile.Status.DRAFT)
    with pytest.raises(NotFound):  # not public: cannot even be found
        services.report_create(reporter=producer, profile_id=hidden.pk, reason="spam")
    with pytest.raises(Forbidden):
        services.report_create(reporter=profile.user, profile_id=profile.pk, reason="spam")
    with pytest.raises(ValidationFailed) as excinfo:
        services.report_create(reporter=producer, profile_id=profile.pk, reason="other", details="")
    assert "details" in excinfo.value.fields
    with pytest.raises(ValidationFailed):
        services.report_create(reporter=producer, profile_id=profile.pk, reason="spam", details="x" * 2001)
    with pytest.raises(ValidationFailed):
        services.report_create(reporter=producer, profile_id=profile.pk, reason="bogus")
    assert not Report.objects.exists()


def test_reviews_can_be_reported_once_visible(gig, profile, producer, now):
    done = gig(profile, state="completed")
    review = services.review_create(author=producer, booking_id=done.pk, rating=1, text="Awful")
    with pytest.raises(NotFound):  # still blind
        services.report_create(reporter=profile.user, review_id=review.pk, reason="harassment")
    services.review_create(author=profile.user, booking_id=done.pk, rating=5)
    report = services.report_create(reporter=profile.user, review_id=review.pk, reason="harassment")
    assert report.review_id == review.pk
    with pytest.raises(Forbidden):
        services.report_create(reporter=producer, review_id=review.pk, reason="spam")


def test_reported_profiles_are_grouped_with_counts(make_musician, make_user, profile, moderator, now):
    quiet = make_musician("Quiet Player")
    reporters = [make_user(producer=True, email=f"r{n}@example.com") for n in range(3)]
    for reporter in reporters:
        services.report_create(reporter=reporter, profile_id=profile.pk, reason="no_show")
    first = services.report_create(reporter=reporters[0], profile_id=quiet.pk, reason="spam")
    services.report_resolve(report_id=first.pk, by=moderator, outcome="no_action")
    rows = [(p.pk, p.open_reports, p.total_reports) for p in selectors.reported_profiles()]
    assert rows == [(profile.pk, 3, 3), (quiet.pk, 0, 1)]
    resolved = services.reports_resolve_for_profile(profile_id=profile.pk, by=moderator, outcome="warned")
    assert len(resolved) == 3
    assert Notification.objects.filter(kind="trust_report_resolved").count() == 4


# --- Endorsements and figures -------------------------------------------------------------------------


@pytest.fixture
def bandmates(make_musician, gig, now):
    """Two players booked by the same producer for the same session, and one who was not there."""
    keys = make_musician("Kim Keys")
    bass = make_musician("Ben Bass", instruments=("bass-guitar",), genres=("funk",))
    outsider = make_musician("Ola Outsider", instruments=("bass-guitar",), genres=("funk",))
    start = now + timedelta(days=3)
    gig(keys, state="accepted", starts_at=start)
    gig(bass, state="accepted", starts_at=start + timedelta(hours=1), instrument="bass-guitar")
    return keys, bass, outsider


def _complete_all(frozen_clock):
    from bookings import services as booking_services

    frozen_clock.set(frozen_clock.now() + timedelta(days=10))
    for booking in Booking.objects.filter(status=Booking.Status.ACCEPTED):
        booking_services.booking_complete(booking_id=booking.pk)


def test_musicians_who_played_together_can_vouch_once_per_skill(bandmates, frozen_clock):
    keys, bass, outsider = bandmates
    with pytest.raises(Forbidden) as excinfo:  # accepted is not enough: the session must have happened
        services.endorsement_create(endorser=keys.user, profile_id=bass.pk, instrument="bass-guitar")
    assert excinfo.value.code == "not_played_together"
    _complete_all(frozen_clock)

    vouch = services.endorsement_create(endorser=keys.user, profile_id=bass.pk, instrument="bass-guitar",
                                        note="Locked in with the drummer all day.")
    services.endorsement_create(endorser=keys.user, profile_id=bass.pk, genre="funk")
    with pytest.raises(Conflict):
        services.endorsement_create(endorser=keys.user, profile_id=bass.pk, instrument="bass-guitar")
    with pytest.raises(ValidationFailed) as excinfo:  # not on their profile
        services.endorsement_create(endorser=keys.user, profile_id=bass.pk, instrument="piano")
    assert "instrument" in excinfo.value.fields
    with pytest.raises(ValidationFailed):  # one skill at a time
        services.endorsement_create(endorser=keys.user, profile_id=bass.pk, instrument="bass-guitar", genre="funk")
    with pytest.raises(Forbidden):
        services.endorsement_create(endorser=outsider.user, profile_id=bass.pk, genre="funk")
    with pytest.raises(Forbidden):
        services.endorsement_create(endorser=bass.user, profile_id=bass.pk, genre="funk")
    assert Notification.objects.filter(recipient=bass.user, kind="trust_endorsed").count() == 2
    rep = selectors.profile_reputation(profile=bass)
    assert {v.skill_name for v in rep.vouches} == {"Bass guitar", "Funk"}
    assert vouch.endorser == keys.user
    assert list(selectors.bandmates(user=keys.user)) == [bass]

    services.endorsement_withdraw(endorser=keys.user, endorsement_id=vouch.pk)
    with pytest.raises(NotFound):
        services.endorsement_withdraw(endorser=bass.user, endorsement_id=Endorsement.objects.first().pk)


def test_gigs_completed_and_rehired_by_come_from_real_bookings(profile, gig, make_user):
    other = make_user(producer=True, full_name="Olly Other", email="olly@example.com")
    gig(profile, state="completed")
    gig(profile, state="completed")  # the same producer again: a rehire
    gig(profile, state="completed", by=other)
    upcoming = gig(profile, state="accepted")  # not done yet
    gig(profile, state="declined", starts_at=upcoming.starts_at + timedelta(days=1))
    rep = selectors.profile_reputation(profile=profile)
    assert (rep.gigs_completed, rep.rehired_by) == (3, 1)


# --- Recommendations on decline -------------------------------------------------------------------------


@pytest.fixture
def declined(gig, profile, now):
    return gig(profile, state="declined", starts_at=now + timedelta(days=5))


def test_a_recommendation_reaches_the_producer_and_becomes_a_new_offer(declined, profile, make_musician, producer):
    colleague = make_musician("Cara Colleague", instruments=("piano",), hourly_rate="65.00")
    rec = services.recommendation_create(booking_id=declined.pk, actor=profile.user,
                                         recommended_profile_id=colleague.pk, note="She reads anything.")
    note = Notification.objects.get(recipient=producer, kind="trust_recommendation")
    assert "Cara Colleague" in note.title and note.url == f"/recommendations/{rec.pk}/"
    assert "She reads anything." in note.body

    booking = services.recommendation_send_offer(recommendation_id=rec.pk, actor=producer)
    assert booking.status == Booking.Status.OFFERED
    assert booking.musician == colleague.user
    assert (booking.starts_at, booking.ends_at, booking.venue_id, booking.instrument_id) == (
        declined.starts_at, declined.ends_at, declined.venue_id, declined.instrument_id)
    assert (booking.fee_basis, booking.rate, booking.brief_style) == (declined.fee_basis, declined.rate,
                                                                       declined.brief_style)
    assert Notification.objects.filter(recipient=colleague.user, kind="booking_offered").count() == 1
    rec.refresh_from_db()
    assert (rec.status, rec.new_booking_id) == (Recommendation.Status.OFFERED, booking.pk)
    # A second tap returns the same offer and sends nothing new.
    again = services.recommendation_send_offer(recommendation_id=rec.pk, actor=producer)
    assert again.pk == booking.pk
    assert Booking.objects.filter(musician=colleague.user).count() == 1
    assert Notification.objects.filter(recipient=profile.user, kind="trust_recommendation_used").count() == 1


def test_recommendation_rules(gig, profile, make_musician, make_user, producer, now):
    colleague = make_musician("Cara Colleague", instruments=("piano",))
    drummer = make_musician("Dan Drums", instruments=("drums",))
    open_offer = gig(profile, state="offered", starts_at=now + timedelta(days=5))
    with pytest.raises(InvalidTransition):  # decline first
        services.recommendation_create(booking_id=open_offer.pk, actor=profile.user,
                                       recommended_profile_id=colleague.pk)
    declined = gig(profile, state="declined", starts_at=now + timedelta(days=6))
    with pytest.raises(NotFound):  # a stranger cannot see the booking
        services.recommendation_create(booking_id=declined.pk, actor=colleague.user,
                                       recommended_profile_id=colleague.pk)
    with pytest.raises(Forbidden):  # the producer is a party but not the one who declined
        services.recommendation_create(booking_id=declined.pk, actor=producer, recommended_profile_id=colleague.pk)
    with pytest.raises(ValidationFailed) as excinfo:  # does not play the instrument
        services.recommendation_create(booking_id=declined.pk, actor=profile.user, recommended_profile_id=drummer.pk)
    assert "recommended" in excinfo.value.fields
    with pytest.raises(ValidationFailed):
        services.recommendation_create(booking_id=declined.pk, actor=profile.user, recommended_profile_id=profile.pk)
    services.recommendation_create(booking_id=declined.pk, actor=profile.user, recommended_profile_id=colleague.pk)
    with pytest.raises(Conflict):
        services.recommendation_create(booking_id=declined.pk, actor=profile.user,
                                       recommended_profile_id=colleague.pk)
    rec = Recommendation.objects.get()
    stranger = make_user(producer=True, email="stranger@example.com")
    with pytest.raises(NotFound):
        services.recommendation_send_offer(recommendation_id=rec.pk, actor=stranger)
    services.recommendation_dismiss(recommendation_id=rec.pk, actor=producer)
    with pytest.raises(InvalidTransition):
        services.recommendation_send_offer(recommendation_id=rec.pk, actor=producer)


def test_the_offer_phone_link_authorises_a_recommendation_after_declining(declined, profile, make_musician):
    colleague = make_musician("Cara Colleague", instruments=("piano",))
    raw = action_token_make(purpose=OFFER_PURPOSE, subject_id=declined.pk, user_id=profile.user_id,
                            expires_at=declined.expires_at)
    token = action_token_read(raw, purpose=OFFER_PURPOSE)
    rec = services.recommendation_create(booking_id=declined.pk, recommended_profile_id=colleague.pk, token=token)
    assert rec.recommender == profile.user
    other = make_musician("Someone Else")
    wrong = action_token_read(action_token_make(purpose=OFFER_PURPOSE, subject_id=declined.pk, user_id=other.user_id,
                                                expires_at=declined.expires_at), purpose=OFFER_PURPOSE)
    with pytest.raises(Forbidden):
        services.recommendation_create(booking_id=declined.pk, recommended_profile_id=colleague.pk, token=wrong)


def test_a_busy_recommended_player_gets_a_readable_409(declined, make_musician, gig, profile, producer):
    colleague = make_musician("Cara Colleague", instruments=("piano",))
    gig(colleague, state="accepted", starts_at=declined.starts_at)
    rec = services.recommendation_create(booking_id=declined.pk, actor=profile.user,
                                         recommended_profile_id=colleague.pk)
    with pytest.raises(Conflict):
        services.recommendation_send_offer(recommendation_id=rec.pk, actor=producer)
    assert Recommendation.objects.get().status == Recommendation.Status.OPEN
