"""Handing stored files to the people allowed to read them, whatever the storage backend."""

from __future__ import annotations

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect


def private_download(fieldfile: FieldFile, *, filename: str, content_type: str) -> HttpResponse:
    """The caller has been checked: stream the file, or redirect to a short-lived signed URL.

    On S3 the web node never proxies the bytes: the browser fetches them straight from the bucket
    with a URL signed for ``MATERIALS_URL_SECONDS`` that forces a download under the original name.
    """
    if settings.MEDIA_STORAGE == "s3":
        url = fieldfile.storage.url(
            fieldfile.name,
            expire=settings.MATERIALS_URL_SECONDS,
            parameters={
                "ResponseContentDisposition": _attachment(filename),
                "ResponseContentType": content_type,
            },
        )
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(fieldfile.open("rb"), as_attachment=True, filename=filename,
                                content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
