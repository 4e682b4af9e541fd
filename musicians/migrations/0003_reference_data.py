from django.db import migrations

# (name, slug, family). Data frozen here on purpose: later edits belong in new migrations or the admin.
INSTRUMENTS = [
    ("Violin", "violin", "strings"),
    ("Viola", "viola", "strings"),
    ("Cello", "cello", "strings"),
    ("Double bass", "double-bass", "strings"),
    ("Harp", "harp", "strings"),
    ("Electric guitar", "electric-guitar", "guitars"),
    ("Acoustic guitar", "acoustic-guitar", "guitars"),
    ("Classical guitar", "classical-guitar", "guitars"),
    ("Bass guitar", "bass-guitar", "guitars"),
    ("Pedal steel guitar", "pedal-steel", "guitars"),
    ("Dobro", "dobro", "guitars"),
    ("Banjo", "banjo", "guitars"),
    ("Mandolin", "mandolin", "guitars"),
    ("Ukulele", "ukulele", "guitars"),
    ("Piano", "piano", "keys"),
    ("Hammond organ", "hammond-organ", "keys"),
    ("Rhodes / electric piano", "electric-piano", "keys"),
    ("Synthesizer", "synthesizer", "keys"),
    ("Accordion", "accordion", "keys"),
    ("Trumpet", "trumpet", "brass"),
    ("Flugelhorn", "flugelhorn", "brass"),
    ("Trombone", "trombone", "brass"),
    ("Bass trombone", "bass-trombone", "brass"),
    ("French horn", "french-horn", "brass"),
    ("Tuba", "tuba", "brass"),
    ("Flute", "flute", "woodwind"),
    ("Piccolo", "piccolo", "woodwind"),
    ("Clarinet", "clarinet", "woodwind"),
    ("Bass clarinet", "bass-clarinet", "woodwind"),
    ("Oboe", "oboe", "woodwind"),
    ("Bassoon", "bassoon", "woodwind"),
    ("Soprano saxophone", "soprano-sax", "woodwind"),
    ("Alto saxophone", "alto-sax", "woodwind"),
    ("Tenor saxophone", "tenor-sax", "woodwind"),
    ("Baritone saxophone", "baritone-sax", "woodwind"),
    ("Drum kit", "drums", "percussion"),
    ("Percussion", "percussion", "percussion"),
    ("Congas and bongos", "congas", "percussion"),
    ("Vibraphone", "vibraphone", "percussion"),
    ("Marimba", "marimba", "percussion"),
    ("Orchestral timpani", "timpani", "percussion"),
    ("Lead vocals", "lead-vocals", "voice"),
    ("Backing vocals", "backing-vocals", "voice"),
    ("Choir / ensemble singer", "choir", "voice"),
    ("Beatbox", "beatbox", "voice"),
    ("Turntables / DJ", "turntables", "electronic"),
    ("Drum programming", "drum-programming", "electronic"),
    ("Modular synth", "modular-synth", "electronic"),
    ("Harmonica", "harmonica", "folk"),
    ("Fiddle", "fiddle", "folk"),
    ("Tin whistle", "tin-whistle", "folk"),
    ("Uilleann pipes", "uilleann-pipes", "folk"),
    ("Bouzouki", "bouzouki", "folk"),
    ("Sitar", "sitar", "folk"),
    ("Tabla", "tabla", "folk"),
    ("Oud", "oud", "folk"),
]

GENRES = [
    ("Pop", "pop"), ("Rock", "rock"), ("Indie", "indie"), ("Metal", "metal"), ("Punk", "punk"),
    ("Jazz", "jazz"), ("Big band", "big-band"), ("Bebop", "bebop"), ("Latin jazz", "latin-jazz"),
    ("Blues", "blues"), ("Soul", "soul"), ("Funk", "funk"), ("R&B", "rnb"), ("Gospel", "gospel"),
    ("Hip-hop", "hip-hop"), ("Electronic", "electronic"), ("House", "house"), ("Drum and bass", "drum-and-bass"),
    ("Country", "country"), ("Americana", "americana"), ("Bluegrass", "bluegrass"), ("Folk", "folk"),
    ("Celtic", "celtic"), ("Reggae", "reggae"), ("Afrobeat", "afrobeat"), ("Salsa", "salsa"),
    ("Bossa nova", "bossa-nova"), ("Flamenco", "flamenco"), ("Classical", "classical"),
    ("Baroque", "baroque"), ("Contemporary classical", "contemporary-classical"), ("Film and TV score", "film-score"),
    ("Musical theatre", "musical-theatre"), ("Video game music", "game-music"), ("Ambient", "ambient"),
    ("Singer-songwriter", "singer-songwriter"), ("Wedding and function", "function-band"),
]


def seed(apps, schema_editor):
    Instrument = apps.get_model("musicians", "Instrument")
    Genre = apps.get_model("musicians", "Genre")
    for name, slug, family in INSTRUMENTS:
        Instrument.objects.update_or_create(slug=slug, defaults={"name": name, "family": family})
    for name, slug in GENRES:
        Genre.objects.update_or_create(slug=slug, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("musicians", "Instrument").objects.filter(slug__in=[s for _, s, _ in INSTRUMENTS]).delete()
    apps.get_model("musicians", "Genre").objects.filter(slug__in=[s for _, s in GENRES]).delete()


class Migration(migrations.Migration):
    dependencies = [("musicians", "0002_postgres_search_indexes")]

    operations = [migrations.RunPython(seed, unseed)]
