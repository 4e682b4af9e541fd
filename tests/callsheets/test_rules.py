"""The classification rules: one module says what is critical and whom a change concerns."""

from datetime import UTC, datetime, timedelta

from bookings.callsheets import rules

PLAYERS = [
    {"booking": 1, "instrument": "alto-sax", "instrument_name": "Alto sax", "name": "Sam"},
    {"booking": 2, "instrument": "drums", "instrument_name": "Drums", "name": "Dee"},
]


def sheet(**changes):
    base = {
        "starts_at": datetime(2027, 6, 4, 9, 0, tzinfo=UTC).isoformat(),
        "ends_at": datetime(2027, 6, 4, 12, 0, tzinfo=UTC).isoformat(),
        "time_zone": "Europe/London",
        "venue": {"id": 1, "name": "Studio 2", "address": "3 Abbey Road"},
        **{key: "" for key, _l, _m in rules.TEXT_FIELDS},
        "materials": [],
        "fees": {"1": "180.000 GBP (hourly)", "2": "180.000 GBP (hourly)"},
    }
    base.update(changes)
    return base


def fields(changes):
    return [(c["field"], c["critical"], c["bookings"]) for c in changes]


def test_a_later_start_is_critical_for_everyone_and_says_it_in_local_time():
    after = sheet(starts_at=datetime(2027, 6, 4, 10, 0, tzinfo=UTC).isoformat())
    changes = rules.changes_between(sheet(), after, PLAYERS)
    assert fields(changes) == [("start", True, [1, 2])]
    assert changes[0]["text"] == "Start time changed from 10:00 to 11:00 (Europe/London)"


def test_a_moved_day_is_a_date_change_not_a_time_change():
    moved = {"starts_at": datetime(2027, 6, 5, 9, 0, tzinfo=UTC).isoformat(),
             "ends_at": datetime(2027, 6, 5, 12, 0, tzinfo=UTC).isoformat()}
    changes = rules.changes_between(sheet(), sheet(**moved), PLAYERS)
    assert fields(changes) == [("date", True, [1, 2])]
    assert changes[0]["text"] == "Date moved from Fri 04 Jun 2027 to Sat 05 Jun 2027"


def test_a_longer_session_is_an_end_time_change():
    changes = rules.changes_between(sheet(), sheet(ends_at=datetime(2027, 6, 4, 13, 0, tzinfo=UTC).isoformat()),
                                    PLAYERS)
    assert fields(changes) == [("end", True, [1, 2])]


def test_venue_and_fee_are_critical_and_a_fee_concerns_only_its_player():
    after = sheet(venue={"id": 2, "name": "Studio 3", "address": "1 Road"},
                  fees={"1": "240.000 GBP (hourly)", "2": "180.000 GBP (hourly)"})
    changes = rules.changes_between(sheet(), after, PLAYERS)
    assert fields(changes) == [("venue", True, [1, 2]), ("fee", True, [1])]
    assert changes[1]["text"] == "Fee for Sam changed from 180.000 GBP (hourly) to 240.000 GBP (hourly)"


def test_notes_parking_dress_and_call_time_only_inform():
    after = sheet(parking="Car park behind the studio", dress="All black", notes="Bring a stand", call_time="09:30")
    changes = rules.changes_between(sheet(), after, PLAYERS)
    assert {c["field"] for c in changes} == {"parking", "dress", "notes", "call_time"}
    assert not any(c["critical"] for c in changes)
    assert all(c["bookings"] == [1, 2] for c in changes)
    parking = next(c for c in changes if c["field"] == "parking")
    assert parking["text"] == "Parking added: Car park behind the studio"


def test_a_sax_part_concerns_the_saxophonist_only():
    part = {"key": "m1", "title": "Alto part v2", "detail": "", "instruments": ["alto-sax"], "bookings": []}
    changes = rules.changes_between(sheet(), sheet(materials=[part]), PLAYERS)
    assert fields(changes) == [("materials", False, [1])]
    assert changes[0]["text"] == "New material for Alto sax: Alto part v2"
    everyone = {**part, "key": "m2", "title": "Click track", "instruments": []}
    changes = rules.changes_between(sheet(materials=[part]), sheet(materials=[part, everyone]), PLAYERS)
    assert fields(changes) == [("materials", False, [1, 2])]


def test_readdressing_a_part_tells_the_old_and_the_new_player():
    part = {"key": "m1", "title": "Part", "detail": "", "instruments": ["alto-sax"], "bookings": []}
    moved = {**part, "instruments": ["drums"]}
    changes = rules.changes_between(sheet(materials=[part]), sheet(materials=[moved]), PLAYERS)
    assert fields(changes) == [("materials", False, [1, 2])]
    removed = rules.changes_between(sheet(materials=[part]), sheet(), PLAYERS)
    assert fields(removed) == [("materials", False, [1])]


def test_nothing_changed_is_no_change():
    assert rules.changes_between(sheet(), sheet(), PLAYERS) == []


def test_affected_splits_told_from_must_confirm():
    part = {"key": "m1", "title": "Part", "detail": "", "instruments": ["alto-sax"], "bookings": []}
    changes = rules.changes_between(sheet(), sheet(materials=[part], fees={"1": "180.000 GBP (hourly)", "2": "y"}), PLAYERS)
    told, critical = rules.affected(changes)
    assert told == {1, 2} and critical == {2}


def test_reminders_at_6_and_24_hours_but_never_late_for_a_near_gig():
    since = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    far = since + timedelta(days=5)
    assert rules.reminder_due(0, since=since, starts_at=far) == since + timedelta(hours=6)
    assert rules.reminder_due(1, since=since, starts_at=far) == since + timedelta(hours=24)
    assert rules.reminder_due(2, since=since, starts_at=far) is None
    near = since + timedelta(hours=8)
    assert rules.reminder_due(0, since=since, starts_at=near) == since + timedelta(hours=4)
    assert since + timedelta(hours=4) < rules.reminder_due(1, since=since, starts_at=near) < near
    assert rules.reminder_due(0, since=since, starts_at=since) is None
