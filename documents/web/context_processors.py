from django.conf import settings


def archive(request):
    """The archive's name and description, for every page's header and metadata."""
    return {"ARCHIVE_NAME": settings.ARCHIVE_NAME, "ARCHIVE_DESCRIPTION": settings.ARCHIVE_DESCRIPTION}
