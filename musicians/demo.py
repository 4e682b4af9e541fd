"""Demo musicians: about 200 approved profiles over every instrument and genre, a few pending.

Deterministic (seeded random) and idempotent: a second run finds every demo account and adds
nothing. Bulk inserts keep it to a couple of seconds; the demo accounts' complete profile
(musician@gigbook.test) goes through the real services so its notifications exist too.
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from gigbook.core import clock
from musicians import services
from musicians.cities import CITIES, CURRENCY_BY_COUNTRY
from musicians.media import parse_media_url
from musicians.models import (
    Credit,
    DemoMedia,
    Genre,
    Instrument,
    MusicianProfile,
    ProfileGenre,
    ProfileInstrument,
)

COUNT = 200
PENDING = 6
EMAIL = "demo.player{:03d}@gigbook.test"

FIRST = ["Ava", "Ben", "Chloe", "Dev", "Esme", "Felix", "Grace", "Hugo", "Isla", "Jamal", "Kofi", "Lena", "Marco",
         "Nia", "Oscar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes", "Xena", "Yusuf", "Zoe",
         "Aoife", "Bruno", "Carmen", "Dmitri", "Elif", "Femi", "Gus", "Hana", "Ines", "Jonas", "Kai", "Luca",
         "Maya", "Nils", "Olu", "Pablo", "Rhea", "Sven", "Tomas", "Yara"]
LAST = ["Abbott", "Baptiste", "Castillo", "Doyle", "Eze", "Fischer", "Gallagher", "Haddad", "Iversen", "Jovanovic",
        "Kowalski", "Lindqvist", "Mensah", "Nakamura", "O'Neill", "Petrov", "Quarshie", "Rossi", "Santos",
        "Takahashi", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmerman", "Achebe", "Brennan", "Costa",
        "Delgado", "Engel", "Fontaine", "Grant", "Holm", "Ibrahim", "Jensen", "Keane", "Moreau", "Novak", "Okafor"]
STAGE_WORDS = ["Velvet", "Blue", "Midnight", "Golden", "Silver", "Low", "Hi", "Little", "Big", "Sweet", "Lazy",
               "Electric", "Northern", "Southern", "Brass", "Paper", "Honey", "Smoky"]
# Instruments a player of the first commonly doubles on.
DOUBLES = {
    "woodwind": ["flute", "clarinet", "alto-sax", "tenor-sax", "soprano-sax", "baritone-sax", "piccolo",
                 "bass-clarinet", "oboe"],
    "brass": ["trumpet", "flugelhorn", "trombone", "bass-trombone", "french-horn", "tuba"],
    "strings": ["violin", "viola", "cello", "double-bass", "fiddle", "mandolin"],
    "guitars": ["electric-guitar", "acoustic-guitar", "bass-guitar", "mandolin", "banjo", "dobro", "ukulele",
                "pedal-steel"],
    "keys": ["piano", "hammond-organ", "electric-piano", "synthesizer", "accordion"],
    "percussion": ["drums", "percussion", "congas", "vibraphone", "marimba", "drum-programming"],
    "voice": ["lead-vocals", "backing-vocals", "choir", "acoustic-guitar", "piano"],
    "electronic": ["synthesizer", "drum-programming", "modular-synth", "turntables"],
    "folk": ["fiddle", "tin-whistle", "bouzouki", "mandolin", "acoustic-guitar", "harmonica"],
}
HEAVY = {"drums", "double-bass", "harp", "timpani", "baritone-sax", "tuba", "hammond-organ", "marimba", "vibraphone"}
# Rough value of one pound, to make rates in other currencies look plausible.
PER_GBP = {"GBP": 1, "EUR": 1.15, "USD": 1.27, "CAD": 1.7, "AUD": 1.9, "NZD": 2.1, "CHF": 1.1, "SEK": 13, "NOK": 13,
           "DKK": 8.6, "CZK": 29, "PLN": 5, "HUF": 450, "TRY": 40, "ISK": 175, "MXN": 22, "CUP": 30, "JMD": 195,
           "BRL": 6.5, "ARS": 1100, "NGN": 1900, "GHS": 19, "ZAR": 23, "KES": 165, "INR": 105, "JPY": 190,
           "KRW": 1700, "SGD": 1.7}
CREDIT_ARTISTS = ["The Night Shift", "Ana Lua", "Harbour Lights", "Kit & the Mondays", "Solomon Grey", "Ruby Vale",
                  "The Loose Ends", "Marlowe", "Orla Quinn", "Brass Tacks", "Lowland Choir", "Jonah Fields"]
CREDIT_TITLES = ["Late Bloom", "City of Glass", "Northern Line", "Slow Burn", "Paper Moon", "Second Wind",
                 "Tidewater", "Open Road", "After Hours", "Gold Coast", "Static", "Homecoming"]


def _money(value: float) -> Decimal:
    # Round to a friendly figure: whole units, to the nearest 5 above 100.
    step = 5 if value >= 100 else 1
    return (Decimal(value) / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step


def _rates(rng: random.Random, currency: str, instrument_slug: str) -> dict:
    factor = PER_GBP.get(currency, 1.27)
    hourly = rng.uniform(35, 120)
    with_session = rng.random() < 0.9
    return {
        "currency": currency,
        "hourly_rate": _money(hourly * factor),
        "session_rate": _money(hourly * 2.6 * factor) if with_session else None,
        "day_rate": _money(hourly * 6.5 * factor) if rng.random() < 0.7 else None,
        "live_rate": _money(hourly * 3.4 * factor) if rng.random() < 0.8 else None,
        "minimum_call_hours": Decimal(rng.choice(["2.0", "3.0", "3.0", "4.0"])),
        "overtime_rate_per_half_hour": _money(hourly * 0.6 * factor),
        "doubling_fee": _money(hourly * 0.5 * factor) if rng.random() < 0.6 else None,
        "cartage_fee": _money(rng.uniform(15, 45) * factor) if instrument_slug in HEAVY else None,
        "late_cancellation_window_hours": rng.choice([24, 48, 72]),
        "late_cancellation_fee": _money(hourly * 1.5 * factor),
        "rate_notes": "Cartage extra for heavy gear." if instrument_slug in HEAVY else "",
    }


def _video_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(11))


def _city(rng: random.Random):
    # A UK-heavy spread, like the demo's producers, with players across the world.
    if rng.random() < 0.3:
        return CITIES[0]
    if rng.random() < 0.45:
        return rng.choice([c for c in CITIES if c[1] in ("GB", "IE")])
    return rng.choice(CITIES)


def _demo_profile_rows(index: int, rng: random.Random, instruments: list[Instrument], genres: list[Genre]):
    first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
    full_name = f"{first} {last}"
    primary = instruments[index % len(instruments)]
    related = [slug for slug in DOUBLES.get(primary.family, []) if slug != primary.slug]
    double_slugs = rng.sample(related, k=min(len(related), rng.choice([0, 1, 1, 2, 2, 3])))
    genre_rows = [genres[index % len(genres)]] + rng.sample([g for g in genres if g != genres[index % len(genres)]],
                                                            k=rng.choice([1, 2, 3]))
    city, country, lat, lng, zone = _city(rng)
    stage = f"{rng.choice(STAGE_WORDS)} {last}" if rng.random() < 0.3 else ""
    years = rng.randint(2, 35)
    fields = {
        "stage_name": stage,
        "headline": f"{primary.name}{' and ' + ', '.join(s.replace('-', ' ') for s in double_slugs) if double_slugs else ''}"
        f" for {genre_rows[0].name.lower()} sessions and shows"[:160],
        "bio": (f"{full_name} is a {primary.name.lower()} player based in {city} with {years} years on sessions, "
                f"tours and theatre. Comfortable with {', '.join(g.name.lower() for g in genre_rows)}; "
                "happy to take direction, quick with charts, and always on time."),
        "city": city,
        "latitude": round(lat + rng.uniform(-0.08, 0.08), 4),
        "longitude": round(lng + rng.uniform(-0.08, 0.08), 4),
        "travel_radius_km": rng.choice([15, 25, 40, 50, 80, 120, 200, 400]),
        "willing_to_tour": rng.random() < 0.4,
        "records_remotely": rng.random() < 0.35,
        "reads_notation": primary.family in ("strings", "brass", "woodwind", "keys") or rng.random() < 0.3,
        "reads_chords": rng.random() < 0.8,
        "reads_nashville": rng.random() < 0.2,
        "years_experience": years,
        "union_membership": rng.choice(["", "", "Musicians' Union", "AFM", "Equity"]),
        "equipment_notes": "Brings own in-ear monitors." if rng.random() < 0.3 else "",
        "languages": ["en"] + ([rng.choice(["fr", "es", "de", "pt", "it", "ja", "pl", "ga"])] if rng.random() < 0.3 else []),
        **_rates(rng, CURRENCY_BY_COUNTRY.get(country, "USD"), primary.slug),
    }
    if rng.random() < 0.35:
        fields["rating_count"] = rng.randint(1, 40)
        fields["rating_avg"] = Decimal(str(round(rng.uniform(3.6, 5.0), 2)))
    return full_name, zone, fields, [primary.slug, *double_slugs], genre_rows


@transaction.atomic
def _seed_players(stdout=None) -> int:
    User = get_user_model()
    emails = [EMAIL.format(n) for n in range(1, COUNT + PENDING + 1)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    if len(existing) == len(emails):
        return 0
    rng = random.Random(20261125)
    instruments = list(Instrument.objects.order_by("id"))
    by_slug = {i.slug: i for i in instruments}
    genres = list(Genre.objects.order_by("id"))
    password = make_password(settings.DEMO_PASSWORD)  # one hash for all: hashing 200 times takes a minute
    created_profiles: list[tuple[MusicianProfile, list[str], list[Genre]]] = []
    now = clock.now()
    planned = []
    for n, email in enumerate(emails, start=1):
        full_name, zone, fields, slugs, genre_rows = _demo_profile_rows(n - 1, rng, instruments, genres)
        if email not in existing:
            user = User(email=email, full_name=full_name, display_name=full_name, password=password, is_musician=True, time_zone=zone,
                        notify_by_sms=False)
            planned.append((n, user, fields, slugs, genre_rows))
    User.objects.bulk_create([user for _, user, _, _, _ in planned])
    for n, user, fields, slugs, genre_rows in planned:
        pending = n > COUNT
        profile = MusicianProfile(
            user=user,
            status=MusicianProfile.Status.PENDING if pending else MusicianProfile.Status.APPROVED,
            submitted_at=now - timedelta(days=rng.randint(1, 200)),
            reviewed_at=None if pending else now - timedelta(days=rng.randint(0, 100)),
            **fields,
        )
        profile.refresh_derived()
        created_profiles.append((profile, slugs, genre_rows))
    MusicianProfile.objects.bulk_create([p for p, _, _ in created_profiles])
    ProfileInstrument.objects.bulk_create(
        ProfileInstrument(profile=p, instrument=by_slug[slug], is_primary=i == 0, position=i,
                          skill_level="expert" if i == 0 else rng.choice(["professional", "capable"]))
        for p, slugs, _ in created_profiles for i, slug in enumerate(slugs)
    )
    ProfileGenre.objects.bulk_create(
        ProfileGenre(profile=p, genre=g, strength=i + 1) for p, _, genre_rows in created_profiles
        for i, g in enumerate(genre_rows)
    )
    media, credits = [], []
    for p, _, _ in created_profiles:
        if rng.random() < 0.7:
            vid = _video_id(rng)
            media.append(DemoMedia(profile=p, kind="youtube", url=f"https://www.youtube.com/watch?v={vid}",
                                   embed_url=f"https://www.youtube-nocookie.com/embed/{vid}", title="Live session"))
        if rng.random() < 0.4:
            slug = p.user.full_name.lower().replace(" ", "-").replace("'", "")
            url = f"https://soundcloud.com/{slug}/showreel"
            media.append(DemoMedia(profile=p, kind="soundcloud", url=url, title="Showreel", position=1,
                                   embed_url=parse_media_url(url).embed_url))
        for k in range(rng.choice([0, 1, 2, 3])):
            credits.append(Credit(profile=p, artist=rng.choice(CREDIT_ARTISTS), title=rng.choice(CREDIT_TITLES),
                                  year=rng.randint(2005, 2026), role=p.headline.split(" for ")[0][:120], position=k))
    DemoMedia.objects.bulk_create(media)
    Credit.objects.bulk_create(credits)
    # Unavailability through the service, so weekly rules expand in each player's time zone.
    for p, _, _ in created_profiles:
        if rng.random() < 0.5:
            start = (now + timedelta(days=rng.randint(1, 60))).replace(minute=0, second=0, microsecond=0)
            services.block_create(profile=p, kind="once", starts_at=start,
                                  ends_at=start + timedelta(hours=rng.choice([4, 8, 24, 72])), note="Away")
        if rng.random() < 0.25:
            hour = rng.choice([9, 10, 17, 18])
            services.block_create(profile=p, kind="weekly", weekday=rng.randint(0, 6), start_time=time(hour),
                                  end_time=time(hour + 3), note="Teaching")
    return len(created_profiles)


def _seed_demo_accounts() -> None:
    """Complete profiles for the demo logins that are musicians (through the real services)."""
    User = get_user_model()
    admin = User.objects.filter(email="admin@gigbook.test").first()
    accounts = {
        "musician@gigbook.test": {
            "stage_name": "Mia Reeds",
            "headline": "Tenor sax, flute and clarinet: sessions, horn sections and pit bands",
            "bio": "London-based reed player. Twenty years of studio sessions, West End pits and touring horn "
                   "sections. I read anything, sight-read fast and bring my own mics for home recording.",
            "city": "London", "latitude": 51.5155, "longitude": -0.0922, "travel_radius_km": 120,
            "willing_to_tour": True, "records_remotely": True, "reads_notation": True, "reads_chords": True,
            "years_experience": 20, "union_membership": "Musicians' Union",
            "equipment_notes": "Selmer Mk VI tenor, Yamaha flute, Buffet clarinet; Neumann mic for home sessions.",
            "languages": ["en", "fr"], "currency": "GBP", "hourly_rate": Decimal("65"),
            "session_rate": Decimal("180"), "day_rate": Decimal("450"), "live_rate": Decimal("250"),
            "minimum_call_hours": Decimal("3"), "overtime_rate_per_half_hour": Decimal("35"),
            "doubling_fee": Decimal("30"), "cartage_fee": None, "late_cancellation_window_hours": 48,
            "late_cancellation_fee": Decimal("90"), "rate_notes": "Doubles charged per extra instrument.",
            "instruments": [("tenor-sax", "expert"), ("alto-sax", "professional"), ("flute", "professional"),
                            ("clarinet", "capable")],
            "genres": ["jazz", "soul", "funk", "musical-theatre"],
            "media": [{"url": "https://www.youtube.com/watch?v=Mia0Reeds01", "title": "Horn section, live"},
                      {"url": "https://soundcloud.com/mia-reeds/tenor-solo", "title": "Tenor solo"}],
            "credits": [{"artist": "The Night Shift", "title": "After Hours", "year": 2023, "role": "Tenor sax"},
                        {"artist": "Ruby Vale", "title": "Gold Coast", "year": 2021, "role": "Flute, clarinet"}],
        },
        "bass@gigbook.test": {
            "headline": "Upright and electric bass for jazz, soul and function bands", "city": "London",
            "latitude": 51.4613, "longitude": -0.1156, "travel_radius_km": 80, "reads_notation": True,
            "reads_chords": True, "years_experience": 12, "currency": "GBP", "hourly_rate": Decimal("55"),
            "session_rate": Decimal("160"), "instruments": [("double-bass", "expert"), ("bass-guitar", "expert")],
            "genres": ["jazz", "soul", "function-band"],
        },
        "drums@gigbook.test": {
            "headline": "Drums and percussion: tight, quiet when it matters", "city": "Brighton",
            "latitude": 50.8225, "longitude": -0.1372, "travel_radius_km": 150, "reads_chords": True,
            "reads_nashville": True, "years_experience": 15, "currency": "GBP", "hourly_rate": Decimal("60"),
            "cartage_fee": Decimal("30"), "instruments": [("drums", "expert"), ("percussion", "professional")],
            "genres": ["rock", "pop", "funk"],
        },
        "bandleader@gigbook.test": {
            "headline": "Keys and Hammond, MD for Nashville writers' rounds", "city": "Nashville",
            "latitude": 36.1627, "longitude": -86.7816, "travel_radius_km": 300, "reads_nashville": True,
            "reads_chords": True, "years_experience": 25, "currency": "USD", "hourly_rate": Decimal("90"),
            "instruments": [("piano", "expert"), ("hammond-organ", "expert"), ("backing-vocals", "capable")],
            "genres": ["country", "americana", "gospel"],
        },
    }
    for email, data in accounts.items():
        user = User.objects.filter(email=email, is_musician=True).first()
        if user is None or MusicianProfile.objects.filter(user=user).exists():
            continue
        data = dict(data)
        data["instruments"] = [{"instrument": Instrument.objects.get(slug=slug), "skill_level": skill}
                               for slug, skill in data["instruments"]]
        data["genres"] = [Genre.objects.get(slug=slug) for slug in data["genres"]]
        profile = services.profile_update(user=user, changes=data)
        services.profile_submit(profile=profile)
        services.profile_approve(profile=profile, by=admin)
        now = clock.now()
        services.block_create(profile=profile, kind="weekly", weekday=1, start_time=time(18), end_time=time(21),
                              note="Teaching")
        start = (now + timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
        services.block_create(profile=profile, kind="once", starts_at=start, ends_at=start + timedelta(days=2),
                              note="Festival")


def seed(*, stdout=None) -> None:
    _seed_demo_accounts()
    added = _seed_players(stdout)
    if stdout:
        total = MusicianProfile.objects.filter(status=MusicianProfile.Status.APPROVED).count()
        stdout.write(f"musicians: {added} demo players added; {total} approved profiles")
