"""Receipts are checked by their content and size, never by name or the browser's Content-Type.

Accepted: a PNG or JPEG image that Pillow can walk to its end, or a PDF that pypdf can open and
that has at least one page (a file that only *starts* with ``%PDF-`` is refused).
"""

from __future__ import annotations

from typing import BinaryIO

from bookings import filetypes

MAX_RECEIPT_BYTES = 10 * 1024 * 1024
RECEIPT_TYPES = (filetypes.PDF, filetypes.PNG, filetypes.JPEG)


class ReceiptRejected(ValueError):
    pass


def check_receipt(stream: BinaryIO, size: int) -> filetypes.FileType:
    if size <= 0:
        raise ReceiptRejected("The receipt file is empty.")
    if size > MAX_RECEIPT_BYTES:
        raise ReceiptRejected("The receipt is larger than 10 MB. Take a smaller photo or scan.")
    try:
        kind = filetypes.detect(stream)
    except filetypes.UnsupportedFile as exc:
        raise ReceiptRejected("A receipt must be a photo (JPEG or PNG) or a PDF.") from exc
    if kind not in RECEIPT_TYPES:
        raise ReceiptRejected("A receipt must be a photo (JPEG or PNG) or a PDF.")
    # A PDF was already parsed by filetypes.detect, with decompression capped, and has a page: a
    # second, uncapped parse here would undo that bound.
    return kind
