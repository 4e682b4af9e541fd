from django.http import HttpResponse


def offer_link(request, token):
    return HttpResponse("todo")
