"""Checks of billing details. Every message is plain words a musician can act on."""

from __future__ import annotations

import re

import pycountry
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import vat as gb_vat


class DetailError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def clean_country(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise DetailError("country", "Choose a country, e.g. GB for the United Kingdom.")
    return code


def clean_iban(value: str) -> str:
    text = re.sub(r"\s+", "", value or "").upper()
    if not text:
        return ""
    try:
        return IBAN(text).compact
    except SchwiftyException as exc:
        raise DetailError("iban", "This bank account number (IBAN) is not valid: check it for a typing mistake.") from exc


def clean_bic(value: str) -> str:
    text = re.sub(r"\s+", "", value or "").upper()
    if not text:
        return ""
    try:
        return str(BIC(text))
    except SchwiftyException as exc:
        raise DetailError("bic", "This bank code (BIC/SWIFT) is not valid: it has 8 or 11 letters and digits.") from exc


def clean_sort_code(value: str) -> str:
    text = re.sub(r"[\s-]+", "", value or "")
    if text and not re.fullmatch(r"\d{6}", text):
        raise DetailError("sort_code", "A sort code is six digits, like 20-00-00.")
    return text


def clean_account_number(value: str) -> str:
    text = re.sub(r"\s+", "", value or "")
    if text and not re.fullmatch(r"\d{8}", text):
        raise DetailError("account_number", "A UK account number is eight digits.")
    return text


def clean_vat_number(value: str, country: str) -> str:
    text = re.sub(r"[\s.-]+", "", value or "").upper()
    if not text:
        return ""
    try:
        if country == "GB" or text.startswith("GB"):
            number = gb_vat.validate(text)
            return f"GB{number}"
        if country in eu_vat.MEMBER_STATES or text[:2].lower() in eu_vat.MEMBER_STATES:
            prefixed = text if text[:2].isalpha() else f"{'EL' if country == 'GR' else country}{text}"
            return eu_vat.validate(prefixed)
    except StdnumError as exc:
        raise DetailError("vat_number", "This VAT number is not valid: check it against your VAT certificate.") from exc
    if not re.fullmatch(r"[A-Z0-9]{4,20}", text):
        raise DetailError("vat_number", "This VAT number is not valid: check it against your VAT certificate.")
    return text
