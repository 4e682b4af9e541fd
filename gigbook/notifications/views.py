from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gigbook.core.errors import NotFound
from gigbook.notifications import services
from gigbook.notifications.selectors import notification_list_for_user


@login_required
def inbox(request):
    paginator = Paginator(notification_list_for_user(user=request.user), 20)
    page_obj = paginator.get_page(request.GET.get("page"))
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
