"""The demo seed gives moderators and producers something to look at, and a second run adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from musicians.models import MusicianProfile
from trust import selectors
from trust.models import Endorsement, Recommendation, Report, Review

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_the_queue_reports_reviews_and_vouches(settings):
    settings.DEBUG = True  # the demo seed refuses to run otherwise
    call_command("seed_demo")
    counts = (Report.objects.count(), Review.objects.count(), Endorsement.objects.count(),
              Recommendation.objects.count())
    queue = list(selectors.moderation_profiles(status=MusicianProfile.Status.PENDING))
    edited = [p for p in queue if selectors.approved_snapshot_of(p) is not None]
    assert len(edited) == 1
    assert {c.field for c in selectors.profile_changes(edited[0])} == {"headline", "bio"}
    assert Report.objects.filter(status="open").count() == 3
    assert [p.open_reports for p in selectors.reported_profiles()][:2] == [2, 1]
    assert selectors.reviews_visible().count() == 4  # one review is still blind
    mia = MusicianProfile.objects.get(user__email="musician@gigbook.test")
    assert mia.rating_count == 2
    rep = selectors.profile_reputation(profile=mia)
    assert rep.gigs_completed >= 3 and rep.rehired_by == 1 and len(rep.vouches) == 1
    assert Endorsement.objects.count() == 2 and Recommendation.objects.count() == 1

    call_command("seed_demo")
    assert counts == (Report.objects.count(), Review.objects.count(), Endorsement.objects.count(),
                      Recommendation.objects.count())
