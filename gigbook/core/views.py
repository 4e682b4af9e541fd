from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 when every configured backing service answers, else 503 naming what failed."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "down"
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@require_GET
def favicon(request):
    # Resolved per request: with the manifest storage the hashed name exists only after collectstatic.
    return redirect(static("favicon.svg"), permanent=True)


def home(request):
    return render(request, "home.html")


def short_link(request, code: str):
    """``/s/<code>``: answer exactly as the long link would (GET, HEAD and the page's own POST)."""
    from django.urls import resolve

    from gigbook.core.shortlinks import short_link_target

    target = short_link_target(code) if len(code) <= 16 else None
    if target is None:
        return render(request, "short_link_missing.html", status=404)
    match = resolve(target)
    return match.func(request, *match.args, **match.kwargs)
