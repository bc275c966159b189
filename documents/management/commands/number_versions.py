"""Number the public versions of documents published before public versions were kept (docs/history.md)."""

from django.core.management.base import BaseCommand

from ...history.public import number_history
from ...models import Document


class Command(BaseCommand):
    help = "Number the public versions of every document that has none yet, from its recorded history."

    def handle(self, *args, **options):
        made = number_history(Document.objects.order_by("pk"))
        self.stdout.write(f"Numbered {made} public versions.")
