from django.contrib.auth import authenticate, update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gigbook.accounts import services
from gigbook.accounts.api.serializers import (
    EmailConfirmSerializer,
    NotificationSettingsSerializer,
    PasswordChangeSerializer,
    PhoneVerifySerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from gigbook.accounts.ratelimit import auth_rate_limit_check, login_check
from gigbook.core.errors import ValidationFailed
from gigbook.notifications import preferences


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: RegisterResponseSerializer}, tags=["auth"])
    def post(self, request):
        auth_rate_limit_check(request, group="register")
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"user": UserSerializer(user).data, "token": token.key}, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Exchange email and password for an API token (``Authorization: Token <token>``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        login_check(request, account=email)  # failures are counted by authenticate()'s signal
        user = authenticate(request._request, email=email, password=serializer.validated_data["password"])
        if user is None:
            raise ValidationFailed("Email or password is wrong.", fields={"non_field_errors": ["Email or password is wrong."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    """The signed-in person's account. PATCH changes only the fields sent; ``email`` and ``phone``
    start a confirmation (link / texted code) and take effect only when it completes."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer, tags=["account"])
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=UserUpdateSerializer, responses={200: UserSerializer},
                   tags=["account"])
    def patch(self, request):
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "phone_country" in changes and "phone" not in changes:
            changes.pop("phone_country")
        user = services.account_update(user=request.user, changes=changes)
        return Response(UserSerializer(user).data)


class PhoneVerifyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PhoneVerifySerializer, responses={200: UserSerializer}, tags=["account"],
                   summary="Confirm the new mobile number with the 6-digit code texted to it")
    def post(self, request):
        serializer = PhoneVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.phone_verify(user=request.user, code=serializer.validated_data["code"])
        return Response(UserSerializer(user).data)


class EmailConfirmView(APIView):
    """Confirm a new email address with the token from the emailed link (no login needed)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=EmailConfirmSerializer,
                   responses={200: UserSerializer,
                              409: OpenApiResponse(description="The link was already used"),
                              410: OpenApiResponse(description="The link has expired")},
                   tags=["account"])
    def post(self, request):
        serializer = EmailConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.email_change_confirm(token=serializer.validated_data["token"])
        return Response(UserSerializer(user).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={204: None}, tags=["account"])
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_change(user=request.user, **serializer.validated_data)
        if hasattr(request, "session"):
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationSettingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NotificationSettingsSerializer, tags=["account"])
    def get(self, request):
        return Response(NotificationSettingsSerializer(preferences.notification_settings_get(user=request.user)).data)

    @extend_schema(request=NotificationSettingsSerializer, responses={200: NotificationSettingsSerializer},
                   tags=["account"])
    def patch(self, request):
        serializer = NotificationSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = preferences.notification_settings_update(
            user=request.user,
            preferences=data.get("preferences"),
            quiet_hours_start=data.get("quiet_hours_start", ""),
            quiet_hours_end=data.get("quiet_hours_end", ""),
        )
        return Response(NotificationSettingsSerializer(result).data)
