from django.core.management.base import BaseCommand

from documents.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo archive (the seed record and its related documents). Safe to run again."

    def handle(self, *args, **options):
        created = load_demo()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo archive loaded: {created} documents created."))
        else:
            self.stdout.write("Demo archive already loaded: nothing changed.")
