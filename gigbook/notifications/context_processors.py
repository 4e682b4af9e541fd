from gigbook.notifications.selectors import notification_unread_count


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": notification_unread_count(user=user)}
