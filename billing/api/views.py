"""Billing API. Thin: parse with an input serializer, call one service or selector, render.

Invoices are seen by their two parties (the producer once issued) and by staff holding
``billing.view_all_invoices``; anyone else gets 404. Bank details go to the parties only.
"""

from __future__ import annotations

from datetime import date

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services
from billing.api import serializers as s
from billing.models import Expense
from billing.pdf import invoice_pdf
from billing.receipts import RECEIPT_TYPES
from billing.rules import uk_tax_year
from gigbook.core.errors import NotFound
from gigbook.core.pagination import PageNumberPagination, paginated_response

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, errors: {field: [messages]}}"),
    404: OpenApiResponse(description="Not found (or not yours)"),
    409: OpenApiResponse(description="Not possible in the current state (e.g. the invoice is issued)"),
}
TAGS = ["billing"]


def _page(view: APIView, request, qs, serializer_class) -> Response:
    return paginated_response(view, request, qs, serializer_class, context={"request": request})


def _detail(request, invoice_id: int, code: int = 200) -> Response:
    invoice = selectors.invoice_get_for_user(user=request.user, invoice_id=invoice_id)
    return Response(s.InvoiceDetailSerializer(invoice, context={"request": request}).data, status=code)


class InvoiceListView(APIView):
    pagination_class = PageNumberPagination
    @extend_schema(tags=TAGS, parameters=[s.InvoiceListQuerySerializer],
                   responses={200: s.InvoiceSerializer(many=True), 400: ERRORS[400]},
                   summary="My invoices: as the musician (drafts included) and as the producer (issued ones)")
    def get(self, request):
        query = s.InvoiceListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.invoices_for_user(user=request.user, **query.validated_data)
        return _page(self, request, qs, s.InvoiceSerializer)


class InvoiceDetailView(APIView):
    @extend_schema(tags=TAGS, responses={200: s.InvoiceDetailSerializer, 404: ERRORS[404]},
                   summary="One invoice with its lines, payments, bank details (parties only) and late charges")
    def get(self, request, pk: int):
        return _detail(request, pk)


class InvoiceIssueView(APIView):
    @extend_schema(tags=TAGS, request=None, responses={200: s.InvoiceDetailSerializer, **ERRORS},
                   summary="Issue a draft (musician): numbered, dated, sent to the producer. Idempotent")
    def post(self, request, pk: int):
        services.invoice_issue(invoice_id=pk, actor=request.user)
        return _detail(request, pk)


class InvoicePaymentsView(APIView):
    @extend_schema(tags=TAGS, responses={200: s.PaymentSerializer(many=True), 404: ERRORS[404]},
                   summary="Payments recorded against an invoice")
    def get(self, request, pk: int):
        invoice = selectors.invoice_get_for_user(user=request.user, invoice_id=pk)
        return Response(s.PaymentSerializer(invoice.payments.all(), many=True).data)

    @extend_schema(tags=TAGS, request=s.PaymentInSerializer, responses={201: s.PaymentSerializer, **ERRORS},
                   summary="Record a payment (either party; the producer's wait for the musician to confirm)")
    def post(self, request, pk: int):
        data = s.PaymentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record(invoice_id=pk, actor=request.user, **data.validated_data)
        return Response(s.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentConfirmView(APIView):
    @extend_schema(tags=TAGS, request=s.PaymentConfirmInSerializer, responses={200: s.PaymentSerializer, **ERRORS},
                   summary="The musician confirms a payment arrived (or says it did not: received=false)")
    def post(self, request, pk: int, payment_id: int):
        data = s.PaymentConfirmInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_confirm(invoice_id=pk, payment_id=payment_id, actor=request.user,
                                           received=data.validated_data["received"])
        return Response(s.PaymentSerializer(payment).data)


class InvoiceVoidView(APIView):
    @extend_schema(tags=TAGS, request=s.VoidInSerializer, responses={200: s.InvoiceDetailSerializer, **ERRORS},
                   summary="Void (musician): a draft is dropped; an issued invoice gets a credit note, returned")
    def post(self, request, pk: int):
        data = s.VoidInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.invoice_void(invoice_id=pk, actor=request.user, reason=data.validated_data.get("reason", ""))
        return _detail(request, result.pk)


class InvoicePauseView(APIView):
    @extend_schema(tags=TAGS, request=s.PauseInSerializer, responses={200: s.InvoiceDetailSerializer, **ERRORS},
                   summary="Pause (or resume) reminders for this invoice (musician)")
    def post(self, request, pk: int):
        data = s.PauseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.invoice_pause_chasing(invoice_id=pk, actor=request.user, paused=data.validated_data["paused"])
        return _detail(request, pk)


class InvoicePdfView(APIView):
    @extend_schema(tags=TAGS, responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ERRORS[404]},
                   summary="The invoice as a PDF")
    def get(self, request, pk: int):
        invoice = selectors.invoice_get_for_user(user=request.user, invoice_id=pk)
        pdf = invoice_pdf(invoice, show_bank=selectors.can_see_bank_details(request.user, invoice))
        response = HttpResponse(pdf, content_type="application/pdf")
        name = invoice.number or f"draft-{invoice.pk}"
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response


class ExpenseListView(APIView):
    pagination_class = PageNumberPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(tags=TAGS, responses={200: s.ExpenseSerializer(many=True)}, summary="My expenses, newest first")
    def get(self, request):
        return _page(self, request, selectors.expenses_for_user(user=request.user), s.ExpenseSerializer)

    @extend_schema(tags=TAGS, request={"multipart/form-data": s.ExpenseInSerializer,
                                       "application/json": s.ExpenseInSerializer},
                   responses={201: s.ExpenseSerializer, **ERRORS},
                   summary="Add an expense (with a receipt photo or PDF); reimbursable ones join the booking's draft")
    def post(self, request):
        data = s.ExpenseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        expense = services.expense_create(musician=request.user, booking_id=values.pop("booking", None),
                                          receipt=values.pop("receipt", None), **values)
        return Response(s.ExpenseSerializer(expense).data, status=status.HTTP_201_CREATED)


def _own_expense(request, pk: int) -> Expense:
    expense = Expense.objects.filter(pk=pk, musician_id=request.user.pk).select_related("invoice").first()
    if expense is None:
        raise NotFound("No such expense.")
    return expense


class ExpenseDetailView(APIView):
    @extend_schema(tags=TAGS, responses={200: s.ExpenseSerializer, 404: ERRORS[404]}, summary="One expense")
    def get(self, request, pk: int):
        return Response(s.ExpenseSerializer(_own_expense(request, pk)).data)

    @extend_schema(tags=TAGS, responses={204: None, 404: ERRORS[404], 409: ERRORS[409]},
                   summary="Remove an expense (not once its invoice is issued)")
    def delete(self, request, pk: int):
        services.expense_delete(expense_id=pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExpenseReceiptView(APIView):
    @extend_schema(tags=TAGS, responses={**{(200, kind.content_type): OpenApiTypes.BINARY for kind in RECEIPT_TYPES},
                                         404: ERRORS[404]},
                   summary="The expense's receipt (its owner only)")
    def get(self, request, pk: int):
        expense = _own_expense(request, pk)
        if not expense.receipt:
            raise NotFound("This expense has no receipt.")
        response = FileResponse(expense.receipt.open("rb"), content_type=expense.receipt_content_type)
        response["Content-Disposition"] = f'attachment; filename="receipt-{expense.pk}.{expense.receipt.name.rsplit(".", 1)[-1]}"'
        return response


class EarningsView(APIView):
    @extend_schema(tags=TAGS, parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="First issue date (default: start of this UK tax year)"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last issue date (default: today)"),
        OpenApiParameter("group_by", str, enum=list(selectors.GROUPS)),
    ], responses={200: s.EarningsSerializer, 400: ERRORS[400]},
        summary="Earnings between two dates, grouped by status, producer, kind or month, per currency")
    def get(self, request):
        query = s.EarningsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = selectors.user_today(request.user)
        start = query.validated_data.get("from") or uk_tax_year(today)[0]
        end = query.validated_data.get("to") or today
        if end < start:
            start = date(end.year, 1, 1)
        summary = selectors.earnings_summary(user=request.user, start=start, end=end,
                                             group_by=query.validated_data["group_by"])
        data = {"start": summary.start, "end": summary.end, "group_by": summary.group_by, "rows": summary.rows,
                "totals": list(summary.totals.values())}
        return Response(s.EarningsSerializer(data).data)


class MeBillingView(APIView):
    def _data(self, user) -> dict:
        return {
            "musician": s.MusicianBillingSerializer(services.musician_billing_get(user)).data if user.is_musician else None,
            "producer": s.ProducerBillingSerializer(services.producer_billing_get(user)).data if user.is_producer else None,
        }

    @extend_schema(tags=TAGS, responses={200: s.MeBillingSerializer},
                   summary="My billing details (musician and/or producer side)")
    def get(self, request):
        return Response(self._data(request.user))

    @extend_schema(tags=TAGS, request=s.MeBillingInSerializer, responses={200: s.MeBillingSerializer, 400: ERRORS[400]},
                   summary="Change my billing details (only the fields given); IBAN, VAT number, sort code checked")
    def patch(self, request):
        data = s.MeBillingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        musician = data.validated_data.get("musician")
        producer = data.validated_data.get("producer")
        if musician and request.user.is_musician:
            services.musician_billing_update(user=request.user, **musician)
        if producer and request.user.is_producer:
            services.producer_billing_update(user=request.user, **producer)
        return Response(self._data(request.user))


class PurchaseOrderView(APIView):
    @extend_schema(tags=TAGS, request=s.PurchaseOrderInSerializer, responses={200: s.PurchaseOrderSerializer, **ERRORS},
                   summary="Set the purchase-order reference of one of my bookings (producer); empty clears it")
    def put(self, request, booking_id: int):
        data = s.PurchaseOrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.purchase_order_set(booking_id=booking_id, actor=request.user,
                                            reference=data.validated_data["reference"])
        return Response({"booking": booking_id, "reference": order.reference if order else ""})


