"""Charts and recordings attached to a booking."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from bookings import filetypes
from bookings.models import Booking, Material
from bookings.services.common import _field_error
from gigbook.core import clock
from gigbook.core.errors import Forbidden, InvalidTransition, NotFound

Status = Booking.Status


# --- Materials ----------------------------------------------------------------------------------

MAX_MATERIALS_PER_BOOKING = 30


@transaction.atomic
def material_add(*, booking_id: int, actor, upload: UploadedFile, kind: str = Material.Kind.CHART) -> Material:
    """Attach a chart or reference to a booking. Either party may add; the type is judged by content.

    Raises NotFound (not a party), ValidationFailed (too big, wrong type, too many), InvalidTransition
    (the booking is closed: declined, expired, withdrawn, cancelled).
    """
    booking = Booking.objects.select_for_update().filter(pk=booking_id).first()
    if booking is None or not booking.is_party(actor):
        raise NotFound("No such booking.")
    if booking.status not in (Status.OFFERED, Status.COUNTERED, Status.ACCEPTED):
        raise InvalidTransition("Materials can only be added to open or accepted bookings.", code="booking_closed")
    if kind not in Material.Kind.values:
        raise _field_error("kind", "Choose chart or reference.")
    if upload.size is None or upload.size > filetypes.MAX_MATERIAL_BYTES:
        raise _field_error("file", "Files can be at most 20 MB.")
    if booking.materials.count() >= MAX_MATERIALS_PER_BOOKING:
        raise _field_error("file", f"A booking can have at most {MAX_MATERIALS_PER_BOOKING} files.")
    try:
        detected = filetypes.detect(upload)
    except filetypes.UnsupportedFile as exc:
        raise _field_error("file", str(exc)) from exc
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    material = Material(booking=booking, uploaded_by=actor, kind=kind, original_name=original,
                        content_type=detected.content_type, size=upload.size, sha256=digest.hexdigest(),
                        created_at=clock.now())
    material.file.save(f"upload.{detected.extension}", upload, save=False)
    stored_name = material.file.name
    try:
        material.save()
    except Exception:
        material.file.storage.delete(stored_name)
        raise
    return material


@transaction.atomic
def material_delete(*, booking_id: int, material_id: int, actor) -> None:
    """The uploader removes a material (the file is deleted after commit)."""
    material = Material.objects.select_related("booking").filter(pk=material_id, booking_id=booking_id).first()
    if material is None or not material.booking.is_party(actor):
        raise NotFound("No such file.")
    if material.uploaded_by_id != actor.pk:
        raise Forbidden("Only the person who uploaded a file can remove it.", code="not_uploader")
    name, storage = material.file.name, material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(name))
