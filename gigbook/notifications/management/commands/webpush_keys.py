"""Print a new VAPID key pair for web push, as the two settings lines to put in the environment."""

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand

from gigbook.notifications.push import b64url_encode


class Command(BaseCommand):
    help = "Print a new VAPID key pair (WEBPUSH_VAPID_PRIVATE_KEY / WEBPUSH_VAPID_PUBLIC_KEY)."

    def handle(self, *args, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        private = b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))
        public = b64url_encode(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}\nWEBPUSH_VAPID_PUBLIC_KEY={public}")
