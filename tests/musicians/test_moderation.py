"""The profile state machine: every legal move, every illegal one, and what the musician is told."""

from decimal import Decimal

import pytest

from gigbook.core.errors import InvalidTransition, ValidationFailed
from gigbook.notifications.models import Notification
from musicians import services
from musicians.models import MusicianProfile

pytestmark = pytest.mark.django_db

S = MusicianProfile.Status
ACTIONS = {
    "submit": lambda p, admin: services.profile_submit(profile=p),
    "approve": lambda p, admin: services.profile_approve(profile=p, by=admin),
    "reject": lambda p, admin: services.profile_reject(profile=p, by=admin, reason="Photo is a logo"),
    "suspend": lambda p, admin: services.profile_suspend(profile=p, by=admin, reason="Reported no-show"),
    "unsuspend": lambda p, admin: services.profile_unsuspend(profile=p, by=admin),
}
# (from, action) -> to. Same-state repeats of submit/approve are harmless no-ops.
LEGAL = {
    (S.DRAFT, "submit"): S.PENDING,
    (S.REJECTED, "submit"): S.PENDING,
    (S.PENDING, "submit"): S.PENDING,
    (S.PENDING, "approve"): S.APPROVED,
    (S.APPROVED, "approve"): S.APPROVED,
    (S.PENDING, "reject"): S.REJECTED,
    (S.APPROVED, "suspend"): S.SUSPENDED,
    (S.SUSPENDED, "unsuspend"): S.APPROVED,
}
NOTIFIED = {
    "submit": "profile_submitted", "approve": "profile_approved", "reject": "profile_rejected",
    "suspend": "profile_suspended", "unsuspend": "profile_unsuspended",
}


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_state_and_action(make_profile, staff_user, start, action):
    profile = make_profile(status=start)
    kinds_before = list(Notification.objects.values_list("kind", flat=True))
    if (start, action) in LEGAL:
        result = ACTIONS[action](profile, staff_user)
        assert result.status == LEGAL[(start, action)]
        profile.refresh_from_db()
        assert profile.status == LEGAL[(start, action)]
        new = list(Notification.objects.filter(recipient=profile.user).values_list("kind", flat=True))
        if start == LEGAL[(start, action)]:
            assert new == kinds_before  # no-op: nobody is told twice
        else:
            assert new == [NOTIFIED[action]]
    else:
        with pytest.raises(InvalidTransition) as excinfo:
            ACTIONS[action](profile, staff_user)
        assert excinfo.value.status_code == 409
        profile.refresh_from_db()
        assert profile.status == start
        assert not Notification.objects.exists()


def test_submit_lists_what_is_missing(make_profile):
    profile = make_profile(status=S.DRAFT, instruments=(), genres=(), headline="", hourly_rate=None, lat_lng=None,
                           city="")
    with pytest.raises(ValidationFailed) as excinfo:
        services.profile_submit(profile=profile)
    assert set(excinfo.value.fields) == {"headline", "instruments", "genres", "hourly_rate", "city"}
    profile.refresh_from_db()
    assert profile.status == S.DRAFT


def test_reject_and_suspend_need_a_reason_and_the_musician_sees_it(make_profile, staff_user):
    profile = make_profile(status=S.PENDING)
    with pytest.raises(ValidationFailed):
        services.profile_reject(profile=profile, by=staff_user, reason="   ")
    services.profile_reject(profile=profile, by=staff_user, reason="Please use a photo of yourself.")
    profile.refresh_from_db()
    assert profile.rejection_reason == "Please use a photo of yourself."
    assert profile.reviewed_by == staff_user
    note = Notification.objects.get(recipient=profile.user)
    assert "Please use a photo of yourself." in note.body
    assert note.url == "/me/profile/"
    services.profile_submit(profile=profile)
    services.profile_approve(profile=profile, by=staff_user)
    profile.refresh_from_db()
    assert profile.rejection_reason == ""
    with pytest.raises(ValidationFailed):
        services.profile_suspend(profile=profile, by=staff_user, reason="")


def test_database_refuses_an_approved_profile_without_an_hourly_rate(make_profile, staff_user):
    profile = make_profile(status=S.PENDING)
    MusicianProfile.objects.filter(pk=profile.pk).update(hourly_rate=None)
    with pytest.raises(ValidationFailed) as excinfo:
        services.profile_approve(profile=profile, by=staff_user)
    assert "hourly_rate" in excinfo.value.fields
    profile.refresh_from_db()
    assert profile.status == S.PENDING


def test_editing_review_fields_of_a_live_profile_waits_for_review_and_keeps_it_live(make_profile):
    profile = make_profile(hourly_rate=Decimal("60"), headline="Session bass")
    services.profile_update(user=profile.user, changes={"hourly_rate": Decimal("75"), "travel_radius_km": 80})
    profile.refresh_from_db()
    assert profile.status == S.APPROVED  # structured facts: no review
    assert profile.hourly_rate == Decimal("75")
    assert not Notification.objects.exists()
    services.profile_update(user=profile.user, changes={"headline": "Now with added synth"})
    profile.refresh_from_db()
    assert profile.status == S.APPROVED
    assert profile.headline == "Session bass"  # the approved text stays public
    assert profile.pending_changes == {"headline": "Now with added synth"}
    assert profile.changes_state == "pending"
    told = Notification.objects.get()
    assert told.kind == "profile_changes_pending"
    assert "headline" in told.body and "as it was approved" in told.body


def test_saving_the_same_review_text_again_keeps_it_approved(make_profile):
    profile = make_profile(headline="Session bass")
    services.profile_update(user=profile.user, changes={"headline": "Session bass", "media": [], "credits": []})
    profile.refresh_from_db()
    assert profile.status == S.APPROVED
