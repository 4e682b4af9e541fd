from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("ready/<str:token>/", views.ready_link, name="ready"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf_page, name="invoice-pdf"),
    path("invoices/<int:pk>/<str:action>/", views.invoice_action, name="invoice-action"),
    path("details/", views.details, name="details"),
    path("expenses/", views.expenses, name="expenses"),
    path("earnings/", views.earnings, name="earnings"),
    path("owed/", views.owed, name="owed"),
    path("export/invoices.csv", views.export_invoices, name="export-invoices"),
    path("export/expenses.csv", views.export_expenses, name="export-expenses"),
    path("export/tax-year.csv", views.export_tax_year, name="export-tax-year"),
    path("export/received.csv", views.export_owed, name="export-received"),
]
