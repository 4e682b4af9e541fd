from django.apps import AppConfig


class MusiciansConfig(AppConfig):
    name = "musicians"

    def ready(self) -> None:
        # Cache invalidation only (no business rules): any saved or deleted row that search
        # results show or filter on makes cached search pages stale, wherever the write came from.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from musicians import cache, models

        def _stale(sender, **kwargs):
            update_fields = kwargs.get("update_fields")
            if sender is user_model and update_fields and not {"full_name", "display_name", "is_active"} & set(update_fields):
                return  # e.g. last_login on each sign-in: nothing search shows
            cache.invalidate()

        user_model = get_user_model()
        # BusyInterval is written only by musicians.services, which invalidate explicitly (and
        # delete in bulk, which a delete signal would turn into row-by-row loading).
        for model in (models.MusicianProfile, models.ProfileInstrument, models.ProfileGenre, models.Instrument,
                      models.Genre, user_model):
            post_save.connect(_stale, sender=model, dispatch_uid=f"musicians-search-cache-{model._meta.label}")
            post_delete.connect(_stale, sender=model, dispatch_uid=f"musicians-search-cache-del-{model._meta.label}")
        # Converted rates on cached pages: a loaded file or an edited rate makes them stale.
        from gigbook.exchange.signals import rates_changed

        rates_changed.connect(lambda sender, **kwargs: cache.invalidate(), weak=False,
                              dispatch_uid="musicians-search-cache-exchange-rates")
