from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Archive"

    def ready(self):
        from . import signals  # noqa: F401  (the receivers; importing history.recording registers the models)
        from .admin import documents, groups, imports, people, scans, vocabularies  # noqa: F401  (registers the admin pages)
        from .ops import checks  # noqa: F401  (registers the system checks)
        from .web import pdf  # noqa: F401  (registers its check: PDFs need Pango)


class ArchiveAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the archive's site (documents/admin/site.py) as ``admin.site``."""

    default = False  # named in INSTALLED_APPS; "documents" alone means DocumentsConfig
    default_site = "documents.admin.site.ArchiveAdminSite"
