from django.conf import settings


def site(request):
    return {"SITE_URL": settings.SITE_URL, "DEMO_MODE": settings.EMBEDDED}
