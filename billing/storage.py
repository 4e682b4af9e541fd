"""Where receipts are stored: a private place (like booking materials), never a public media URL.

``STORAGES["receipts"]`` when configured, else ``RECEIPTS_ROOT`` (default ``var/private/receipts``).
The only way to a receipt is its owner's download view.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages

from bookings.storage import MaterialsStorage


class ReceiptsStorage(MaterialsStorage):
    """Looks the real storage up on every call, so settings (and tests) can change it at run time."""

    def _target(self) -> Storage:
        if "receipts" in settings.STORAGES:
            return storages["receipts"]
        root = getattr(settings, "RECEIPTS_ROOT", None) or settings.VAR_DIR / "private" / "receipts"
        return FileSystemStorage(location=root, base_url=None)

    def url(self, name):
        raise NotImplementedError("Receipts have no public URL; use the expense's download view.")


_storage = ReceiptsStorage()


def receipts_storage() -> Storage:
    return _storage
