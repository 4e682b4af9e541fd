"""Billing pages: the musician's phone-first invoices, expenses, earnings and details; the producer's
desktop "what I owe"; the password-less "Invoice ready" page; CSV exports.

Pages call the same services and selectors as the API. Domain errors become a message on the page
with the error's own status code; nothing here holds business rules.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from billing import selectors, services
from billing.models import Expense, Invoice
from billing.pdf import document_context
from billing.rules import uk_tax_year
from gigbook.core.errors import DomainError, NotFound
from gigbook.core.tokens import TokenExpired, TokenInvalid, action_token_read

ZERO = Decimal("0")
STATUS_CLASS = {"draft": "status-warn", "issued": "status-warn", "paid": "status-ok", "void": "status-bad",
                "overdue": "status-bad"}


def _errors(exc: DomainError) -> dict[str, list[str]]:
    return {key: value if isinstance(value, list) else [str(value)] for key, value in exc.fields.items()}


def _get_invoice(request, pk: int) -> Invoice:
    try:
        return selectors.invoice_get_for_user(user=request.user, invoice_id=pk)
    except NotFound as exc:
        raise Http404("No such invoice.") from exc


def _status(invoice: Invoice) -> dict:
    # Overdue by the musician's calendar, as the reminders say, whichever party is looking.
    today = selectors.invoice_today(invoice)
    value = "overdue" if invoice.kind == Invoice.Kind.INVOICE and invoice.is_overdue(today) else invoice.status
    label = "Overdue" if value == "overdue" else ("Credit note" if invoice.kind == Invoice.Kind.CREDIT_NOTE
                                                  else invoice.get_status_display())
    return {"value": value, "label": label, "css": STATUS_CLASS[value]}


# --- "Invoice ready": the phone link -----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])  # link previewers send HEAD; it changes nothing
def ready_link(request, token: str):
    """The link in "Invoice ready". GET shows the draft with one big "Issue" button; POST issues it.

    The signed token names the invoice and the musician, so no login is needed on the phone. Issuing
    is idempotent, so a second tap (or a prefetching link scanner's GET) does no harm.
    """
    try:
        parsed = action_token_read(token, purpose=services.ISSUE_TOKEN_PURPOSE)
    except (TokenInvalid, TokenExpired) as exc:
        return render(request, "billing/link_problem.html", {"problem": exc.detail}, status=exc.status_code)
    invoice = Invoice.objects.select_related("musician", "producer", "booking", "booking__venue").filter(
        pk=parsed.subject_id, musician_id=parsed.user_id).first()
    if invoice is None:
        return render(request, "billing/link_problem.html", {"problem": "This invoice no longer exists."}, status=404)
    status, error, errors = 200, "", {}
    if request.method == "POST":
        musician = get_user_model().objects.get(pk=parsed.user_id)
        try:
            services.invoice_issue(invoice_id=invoice.pk, actor=musician)
            return redirect(reverse("billing:ready", kwargs={"token": token}))
        except DomainError as exc:
            status, error, errors = exc.status_code, exc.detail, _errors(exc)
        invoice.refresh_from_db()
    context = {**document_context(invoice, show_bank=True), "token": token, "status": _status(invoice),
               "error": error, "errors": errors}
    return render(request, "billing/ready.html", context, status=status)


# --- The musician's and the producer's invoices -------------------------------------------------


@login_required
def invoice_list(request):
    user = request.user
    today = selectors.user_today(user)
    mine = list(selectors.invoices_for_user(user=user, role="musician")[:100]) if user.is_musician else []
    owed = list(selectors.owed_by_producer(user=user)[:200]) if user.is_producer else []
    return render(request, "billing/list.html", {
        "drafts": [i for i in mine if i.status == Invoice.Status.DRAFT],
        "sent": [(i, _status(i)) for i in mine if i.status != Invoice.Status.DRAFT],
        "owed": [(i, _status(i)) for i in owed],
        "today": today,
    })


@login_required
def invoice_detail(request, pk: int):
    invoice = _get_invoice(request, pk)
    user = request.user
    today = selectors.user_today(user)
    context = document_context(invoice, show_bank=selectors.can_see_bank_details(user, invoice))
    context.update({
        "status": _status(invoice),
        "is_musician": user.pk == invoice.musician_id,
        "is_producer": user.pk == invoice.producer_id,
        "payments": list(invoice.payments.all()),
        "can_pay": invoice.kind == Invoice.Kind.INVOICE and invoice.status == Invoice.Status.ISSUED
        and invoice.is_party(user),
        "credit_note": Invoice.objects.filter(credits=invoice).first(),
        "today": today,
    })
    return render(request, "billing/detail.html", context)


@login_required
def invoice_pdf_page(request, pk: int):
    from billing.pdf import invoice_pdf

    invoice = _get_invoice(request, pk)
    response = HttpResponse(invoice_pdf(invoice, show_bank=selectors.can_see_bank_details(request.user, invoice)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number or f"draft-{invoice.pk}"}.pdf"'
    return response


ACTIONS = {
    "issue": lambda request, pk: services.invoice_issue(invoice_id=pk, actor=request.user),
    "void": lambda request, pk: services.invoice_void(invoice_id=pk, actor=request.user,
                                                      reason=request.POST.get("reason", "")),
    "pause": lambda request, pk: services.invoice_pause_chasing(invoice_id=pk, actor=request.user, paused=True),
    "resume": lambda request, pk: services.invoice_pause_chasing(invoice_id=pk, actor=request.user, paused=False),
    "pay": lambda request, pk: services.payment_record(invoice_id=pk, actor=request.user,
                                                       amount=request.POST.get("amount", ""),
                                                       paid_on=_date(request.POST.get("paid_on")),
                                                       reference=request.POST.get("reference", "")),
    "confirm": lambda request, pk: services.payment_confirm(invoice_id=pk, actor=request.user, received=True,
                                                            payment_id=_int(request.POST.get("payment"))),
    "reject": lambda request, pk: services.payment_confirm(invoice_id=pk, actor=request.user, received=False,
                                                           payment_id=_int(request.POST.get("payment"))),
}
DONE = {"issue": "Invoice issued and sent.", "void": "Invoice voided; a credit note was sent.",
        "pause": "Reminders paused for this invoice.", "resume": "Reminders resumed.", "pay": "Payment recorded.",
        "confirm": "Payment confirmed.", "reject": "Marked as not received; the producer was told."}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        from gigbook.core.errors import ValidationFailed

        raise ValidationFailed("Give the date as year-month-day, e.g. 2027-06-08.",
                               fields={"paid_on": ["Give the date as year-month-day, e.g. 2027-06-08."]}) from exc


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise NotFound("No such payment.") from exc


@login_required
@require_POST
def invoice_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404("No such action.")
    _get_invoice(request, pk)
    try:
        result = ACTIONS[action](request, pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, " ".join([exc.detail, *[m for msgs in _errors(exc).values() for m in msgs
                                                         if m != exc.detail]]))
        return redirect(reverse("billing:invoice", kwargs={"pk": pk}))
    messages.success(request, DONE[action])
    target = result.pk if action == "void" and isinstance(result, Invoice) else pk
    return redirect(reverse("billing:invoice", kwargs={"pk": target}))


# --- Billing details ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def details(request):
    user = request.user
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("section") == "producer" and user.is_producer:
                services.producer_billing_update(user=user, **{name: request.POST.get(name, "") for name in (
                    "company_name", "address", "country", "vat_number")})
            elif user.is_musician:
                fields = {name: request.POST.get(name, "") for name in (
                    "legal_name", "address", "country", "vat_number", "iban", "bic", "sort_code", "account_number",
                    "payment_terms_days", "invoice_prefix", "next_number", "mileage_rate")}
                fields["vat_registered"] = request.POST.get("vat_registered") == "on"
                services.musician_billing_update(user=user, **fields)
            messages.success(request, "Billing details saved.")
            return redirect(request.POST.get("next") if _safe_next(request) else reverse("billing:details"))
        except DomainError as exc:
            errors = _errors(exc)
            messages.error(request, "Nothing was saved: " + exc.detail)
    musician = services.musician_billing_get(user) if user.is_musician else None
    producer = services.producer_billing_get(user) if user.is_producer else None
    form = request.POST if errors else None
    return render(request, "billing/details.html", {"musician": musician, "producer": producer, "errors": errors,
                                                    "form": form, "next": request.GET.get("next", "")},
                  status=400 if errors else 200)


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/billing/") and "//" not in target


# --- Expenses -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def expenses(request):
    user = request.user
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        booking = request.POST.get("booking") or None
        try:
            services.expense_create(
                musician=user, kind=request.POST.get("kind", ""), spent_on=_date(request.POST.get("spent_on")),
                amount=request.POST.get("amount") or None, quantity=request.POST.get("quantity") or None,
                description=request.POST.get("description", ""), booking_id=_int(booking) if booking else None,
                reimbursable=request.POST.get("reimbursable") == "on", receipt=request.FILES.get("receipt"))
            messages.success(request, "Expense added.")
            return redirect(request.POST.get("next") if _safe_next(request) else reverse("billing:expenses"))
        except NotFound:
            errors = {"booking": ["Choose one of your bookings."]}
        except DomainError as exc:
            errors = _errors(exc) or {"non_field_errors": [exc.detail]}
    from bookings.models import Booking

    recent = (Booking.objects.filter(musician=user, status__in=[Booking.Status.COMPLETED, Booking.Status.ACCEPTED])
              .select_related("venue").order_by("-starts_at")[:30])
    return render(request, "billing/expenses.html", {
        "expenses": selectors.expenses_for_user(user=user)[:200], "kinds": Expense.Kind.choices, "bookings": recent,
        "errors": errors, "form": request.POST if errors else {}, "today": selectors.user_today(user),
        "preselect": request.GET.get("booking", ""), "next": request.GET.get("next", ""),
    }, status=400 if errors else 200)


# --- Earnings -----------------------------------------------------------------------------------


def _period(request, today: date) -> tuple[str, date, date, str]:
    period = request.GET.get("period", "tax-year")
    if period == "month":
        start = today.replace(day=1)
        return period, start, today, f"{today:%B %Y}"
    if period == "custom":
        try:
            start = date.fromisoformat(request.GET.get("from", ""))
            end = date.fromisoformat(request.GET.get("to", ""))
            if end < start or (end - start).days > 3660:
                raise ValueError
            return period, start, end, f"{start:%d %b %Y} to {end:%d %b %Y}"
        except ValueError:
            period = "tax-year"
    start, end = uk_tax_year(today)
    return "tax-year", start, end, f"tax year {start.year}–{str(end.year)[2:]} (6 April to 5 April)"


def _chart(rows) -> dict:
    """Bars for a server-rendered SVG: invoiced and paid per month (one currency: the largest)."""
    if not rows:
        return {}
    currency = max({r.currency for r in rows}, key=lambda c: sum(r.invoiced for r in rows if r.currency == c))
    rows = [r for r in rows if r.currency == currency]
    peak = max(r.invoiced for r in rows) or Decimal(1)
    width, height, gap = 640, 220, 8
    slot = (width - 40) / max(len(rows), 1)
    bars = []
    for index, row in enumerate(rows):
        x = 40 + index * slot
        h_inv = float(row.invoiced / peak) * (height - 40)
        h_paid = float(row.paid / peak) * (height - 40)
        bars.append({"label": row.label, "x": round(x + gap / 2, 1), "w": round(slot / 2 - gap / 2, 1),
                     "x2": round(x + slot / 2, 1), "y_inv": round(height - 20 - h_inv, 1), "h_inv": round(h_inv, 1),
                     "y_paid": round(height - 20 - h_paid, 1), "h_paid": round(h_paid, 1),
                     "tx": round(x + slot / 2, 1), "invoiced": row.invoiced, "paid": row.paid})
    return {"currency": currency, "bars": bars, "width": width, "height": height, "peak": peak,
            "base": height - 20}


@login_required
def earnings(request):
    user = request.user
    today = selectors.user_today(user)
    period, start, end, label = _period(request, today)
    groups = {name: selectors.earnings_summary(user=user, start=start, end=end, group_by=name)
              for name in ("status", "producer", "kind", "month")}
    expense_sums = (Expense.objects.filter(musician=user, spent_on__gte=start, spent_on__lte=end)
                    .values("currency", "reimbursable").annotate(total=Sum("amount")).order_by("currency"))
    query = f"from={start.isoformat()}&to={end.isoformat()}"
    return render(request, "billing/earnings.html", {
        "period": period, "start": start, "end": end, "label": label, "groups": groups,
        "totals": list(groups["status"].totals.values()), "chart": _chart(groups["month"].rows),
        "expense_sums": list(expense_sums), "query": query, "tax_year": uk_tax_year(today)[0].year,
    })


# --- CSV exports --------------------------------------------------------------------------------


def _cell(value) -> str:
    """Text cells that a spreadsheet would run as a formula are prefixed with a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


def _range(request, today: date) -> tuple[date, date]:
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
        end = date.fromisoformat(request.GET.get("to", ""))
        if end < start:
            raise ValueError
        return start, end
    except ValueError:
        return uk_tax_year(today)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


@login_required
def export_invoices(request):
    user = request.user
    start, end = _range(request, selectors.user_today(user))
    response, writer = _csv_response(f"invoices-{start}-{end}.csv")
    writer.writerow(["Number", "Issue date", "Due date", "Producer", "Booking", "Kind", "Status", "Currency", "Net",
                     "VAT", "Total", "Paid", "Outstanding"])
    for invoice in selectors.earnings_invoices(user=user, start=start, end=end):
        writer.writerow([_cell(invoice.number), invoice.issue_date, invoice.due_date,
                         _cell(invoice.snapshot.get("producer", {}).get("name", invoice.producer.full_name)),
                         _cell(invoice.snapshot.get("booking", {}).get("summary", "")), invoice.get_work_kind_display(),
                         _status(invoice)["label"], invoice.currency, _money(invoice.subtotal),
                         _money(invoice.vat_amount), _money(invoice.total), _money(invoice.paid_amount),
                         _money(invoice.outstanding)])
    return response


@login_required
def export_expenses(request):
    user = request.user
    start, end = _range(request, selectors.user_today(user))
    response, writer = _csv_response(f"expenses-{start}-{end}.csv")
    writer.writerow(["Date", "Kind", "Description", "Currency", "Amount", "Reimbursable (charged to producer)",
                     "Deductible (own cost)", "Invoice"])
    for expense in selectors.expenses_for_user(user=user, start=start, end=end).order_by("spent_on", "id"):
        writer.writerow([expense.spent_on, expense.get_kind_display(), _cell(expense.description), expense.currency,
                         _money(expense.amount), _money(expense.amount if expense.reimbursable else ZERO),
                         _money(ZERO if expense.reimbursable else expense.amount),
                         _cell(expense.invoice.number if expense.invoice_id else "")])
    return response


@login_required
def export_tax_year(request):
    user = request.user
    today = selectors.user_today(user)
    try:
        year = int(request.GET.get("year", ""))
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year = uk_tax_year(today)[0].year
    start, end = date(year, 4, 6), date(year + 1, 4, 5)
    summary = selectors.earnings_summary(user=user, start=start, end=end, group_by="status")
    spent = {(row["currency"], row["reimbursable"]): row["total"] for row in
             Expense.objects.filter(musician=user, spent_on__gte=start, spent_on__lte=end)
             .values("currency", "reimbursable").annotate(total=Sum("amount"))}
    response, writer = _csv_response(f"tax-year-{year}-{year + 1 - 2000:02d}.csv")
    writer.writerow(["Tax year", "Currency", "Invoices", "Net invoiced", "VAT", "Total invoiced", "Paid", "Outstanding",
                     "Reimbursable expenses", "Deductible expenses"])
    currencies = sorted(set(summary.totals) | {currency for currency, _ in spent})
    for currency in currencies:
        total = summary.totals.get(currency)
        writer.writerow([f"{start:%d %b %Y} to {end:%d %b %Y}", currency, total.count if total else 0,
                         *[_money(getattr(total, name) if total else ZERO) for name in
                           ("net", "vat", "invoiced", "paid", "outstanding")],
                         _money(spent.get((currency, True), ZERO)), _money(spent.get((currency, False), ZERO))])
    return response


@login_required
def export_owed(request):
    """The producer's bookkeeping export: everything they were invoiced, paid or not."""
    user = request.user
    response, writer = _csv_response("invoices-received.csv")
    writer.writerow(["Number", "From", "Issue date", "Due date", "Status", "Currency", "Net", "VAT", "Total", "Paid",
                     "Outstanding", "PO reference"])
    for invoice in selectors.invoices_for_user(user=user, role="producer").order_by("issue_date", "id"):
        writer.writerow([_cell(invoice.number), _cell(invoice.snapshot.get("musician", {}).get("name", "")),
                         invoice.issue_date, invoice.due_date, _status(invoice)["label"], invoice.currency,
                         _money(invoice.subtotal), _money(invoice.vat_amount), _money(invoice.total),
                         _money(invoice.paid_amount), _money(invoice.outstanding),
                         _cell(invoice.snapshot.get("po_reference", ""))])
    return response


@login_required
def owed(request):
    """The producer's desktop page: what they owe, to whom, by when."""
    user = request.user
    today = selectors.user_today(user)
    rows = [(invoice, _status(invoice)) for invoice in selectors.owed_by_producer(user=user)]
    totals: dict[str, Decimal] = {}
    for invoice, _ in rows:
        totals[invoice.currency] = totals.get(invoice.currency, ZERO) + invoice.outstanding
    recent = selectors.invoices_for_user(user=user, role="producer").exclude(status=Invoice.Status.ISSUED)[:50]
    return render(request, "billing/owed.html", {"rows": rows, "totals": totals, "recent": recent, "today": today,
                                                 "soon": today + timedelta(days=7)})
