from django.http import Http404


def producer_page(request, pk):
    raise Http404


musician_page = link = link_seen = producer_page
