from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Archive"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            freshness,  # noqa: F401  (moves modified_at when what a document shows changes)
            history,  # noqa: F401  (registers the models whose changes are recorded)
        )
        from .search import signals  # noqa: F401  (keeps the search index current)
