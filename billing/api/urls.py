from django.urls import path

from billing.api import views

urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/issue/", views.InvoiceIssueView.as_view(), name="api-invoice-issue"),
    path("invoices/<int:pk>/payments/", views.InvoicePaymentsView.as_view(), name="api-invoice-payments"),
    path("invoices/<int:pk>/payments/<int:payment_id>/confirm/", views.PaymentConfirmView.as_view(),
         name="api-invoice-payment-confirm"),
    path("invoices/<int:pk>/void/", views.InvoiceVoidView.as_view(), name="api-invoice-void"),
    path("invoices/<int:pk>/pause/", views.InvoicePauseView.as_view(), name="api-invoice-pause"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="api-invoice-pdf"),
    path("expenses/", views.ExpenseListView.as_view(), name="api-expenses"),
    path("expenses/<int:pk>/", views.ExpenseDetailView.as_view(), name="api-expense"),
    path("expenses/<int:pk>/receipt/", views.ExpenseReceiptView.as_view(), name="api-expense-receipt"),
    path("earnings/", views.EarningsView.as_view(), name="api-earnings"),
    path("me/billing/", views.MeBillingView.as_view(), name="api-me-billing"),
    path("me/billing/purchase-orders/<int:booking_id>/", views.PurchaseOrderView.as_view(),
         name="api-purchase-order"),
]
