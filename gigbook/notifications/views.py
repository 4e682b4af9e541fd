from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from gigbook.core.errors import NotFound
from gigbook.notifications import preferences, services
from gigbook.notifications.emails import UnsubscribeLinkInvalid, unsubscribe_read
from gigbook.notifications.rendering import notifications_render_pending
from gigbook.notifications.selectors import notification_list_for_user


@login_required
def inbox(request):
    paginator = Paginator(notification_list_for_user(user=request.user), 20)
    page_obj = paginator.get_page(request.GET.get("page"))
    # A message written a moment ago may still wait for its body (rendered after its writer committed).
    page_obj.object_list = list(page_obj.object_list)
    notifications_render_pending(page_obj.object_list)
    return render(request, "notifications/inbox.html", {"page_obj": page_obj})


@login_required
@require_POST
def inbox_read(request, notification_id: int):
    try:
        services.notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        pass  # someone else's or gone: nothing to mark, nothing to reveal
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    services.notification_mark_all_read(user=request.user)
    return redirect("inbox")


def _unsubscribe_target(token: str):
    from gigbook.accounts.models import User

    try:
        user_id, kind = unsubscribe_read(token)
    except UnsubscribeLinkInvalid:
        return None, None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or (kind != "all" and kind not in preferences.KIND_GROUP_CODES):
        return None, None
    return user, kind


def _kind_label(kind: str) -> str:
    if kind == "all":
        return "all optional emails"
    return next(group.label for group in preferences.KIND_GROUPS if group.code == kind).lower() + " emails"


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookies and no CSRF token;
# the signed URL itself is the authority. GET only shows a confirmation page (link scanners GET).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    user, kind = _unsubscribe_target(token)
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    done = request.method == "POST"
    if done:
        preferences.email_unsubscribe(user=user, kind=kind)
    return render(request, "notifications/unsubscribe.html", {"kind_label": _kind_label(kind), "done": done,
                                                              "email": user.email, "token": token})
