from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "gigbook.exchange"
    label = "exchange"
    verbose_name = "Exchange rates"
