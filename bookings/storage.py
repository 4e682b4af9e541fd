"""Where booking materials are stored: a private place, never a public media URL.

``STORAGES["materials"]`` (e.g. an S3 bucket without public access) is used when configured;
otherwise files go to ``MATERIALS_ROOT`` (default ``var/private/materials``), outside MEDIA_ROOT,
because MEDIA_ROOT is served to anyone in demo mode and often by the web server in production.
Either way the only way to a file is the download view, which checks the caller is a party.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class MaterialsStorage(Storage):
    """Looks the real storage up on every call, so settings (and tests) can change it at run time."""

    def _target(self) -> Storage:
        if "materials" in settings.STORAGES:
            return storages["materials"]
        root = getattr(settings, "MATERIALS_ROOT", None) or settings.VAR_DIR / "private" / "materials"
        return FileSystemStorage(location=root, base_url=None)

    def _open(self, name, mode="rb"):
        return self._target().open(name, mode)

    def save(self, name, content, max_length=None):
        return self._target().save(name, content, max_length=max_length)

    def delete(self, name):
        return self._target().delete(name)

    def exists(self, name):
        return self._target().exists(name)

    def size(self, name):
        return self._target().size(name)

    def listdir(self, path):
        return self._target().listdir(path)

    def generate_filename(self, filename):
        return self._target().generate_filename(filename)

    def url(self, name, parameters=None, expire=None):
        # Only a signing backend (S3) has URLs, and they are short-lived; the download views hand
        # them out after checking the caller is a party. A local folder has no URL at all.
        if "materials" not in settings.STORAGES:
            raise NotImplementedError("Materials have no public URL; use the booking's download view.")
        return self._target().url(name, parameters=parameters, expire=expire)


_storage = MaterialsStorage()


def materials_storage() -> Storage:
    return _storage
