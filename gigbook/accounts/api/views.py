from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gigbook.accounts import services
from gigbook.accounts.api.serializers import (
    RegisterResponseSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from gigbook.accounts.ratelimit import auth_rate_limit_check, login_check
from gigbook.core.errors import ValidationFailed


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
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer, tags=["auth"])
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer, tags=["auth"])
    def patch(self, request):
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data)
