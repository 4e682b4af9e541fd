"""The client's address, trusting exactly as many reverse proxies as configured.

Same rule as DRF's throttles (``REST_FRAMEWORK["NUM_PROXIES"]``): with 0 proxies the address is
REMOTE_ADDR and X-Forwarded-For is ignored (a client can write anything there); with N trusted
proxies it is the N-th address from the right of X-Forwarded-For, the one the outermost trusted
proxy saw. Behind the compose file's nginx every request would otherwise share nginx's address,
and one guesser would lock everyone out of signing in.
"""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    request = getattr(request, "_request", request)
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(num_proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")
