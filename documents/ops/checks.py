from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """A deployment needs a stable secret key shared by every server process."""
    if getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        return []
    return [
        Warning(
            "DJANGO_SECRET_KEY is not set, so each process uses its own random key: "
            "sessions and CSRF tokens break across processes and restarts.",
            hint="Set DJANGO_SECRET_KEY to a long random value shared by every app server.",
            id="documents.W001",
        )
    ]
