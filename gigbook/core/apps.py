from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gigbook.core"
    label = "core"

    def ready(self) -> None:
        from PIL import Image

        from gigbook.core import plain_messages

        plain_messages.install()

        # Pillow refuses to open an image over twice this many pixels (DecompressionBombError) and
        # warns over it; its default (~89 MP) lets a small PNG claim ~270 MB of pixels. Photos are
        # checked against 40 MP before they are decoded; chart images are never decoded (verify only).
        Image.MAX_IMAGE_PIXELS = 40_000_000
