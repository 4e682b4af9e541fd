"""ISO 4217 currency codes accepted for rates (active codes; funds and metals left out)."""

CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD
    XOF XPF YER ZAR ZMW ZWG
    """.split()
)
# Shown first in pickers: the currencies most of our musicians quote in.
COMMON_CURRENCIES = ("GBP", "EUR", "USD", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "CHF", "JPY")


def currency_options() -> list[str]:
    """Every accepted code for a select: the common ones first, then the rest A-Z."""
    return list(COMMON_CURRENCIES) + sorted(CURRENCIES - set(COMMON_CURRENCIES))
