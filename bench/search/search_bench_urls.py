from django.urls import path
from search_bench_views import floor, raw_search

from gigbook.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("bench/raw-search/", raw_search), path("bench/floor/", floor), *app_urlpatterns]
