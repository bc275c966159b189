import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...ops.servers import Gunicorn, Nginx

# The internal locations of docs/nginx/archive.conf.
MEDIA_ACCEL_REDIRECT, SCAN_ACCEL_REDIRECT = "/internal-media/", "/internal-scans/"


class Command(BaseCommand):
    help = (
        "make serve-nginx: gunicorn behind nginx (docs/nginx/archive.conf) on 127.0.0.1:PORT, as in production "
        "(docs/deployment.md, 'Behind nginx'), until Ctrl-C. Needs Debian's nginx (apt-get install nginx)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)

    def handle(self, *args, port, workers, **options):
        env = dict(os.environ)
        if settings.MEDIA_STORAGE == "filesystem":
            # Django checks each upload and says what it is; nginx sends it, from the internal locations
            # of docs/nginx/archive.conf (docs/media.md, "In production"), which serve these same folders.
            env |= {
                "DJANGO_MEDIA_ACCEL_REDIRECT": MEDIA_ACCEL_REDIRECT,
                "DJANGO_SCAN_ACCEL_REDIRECT": SCAN_ACCEL_REDIRECT,
            }
        else:  # files in a bucket, which the internal locations cannot read: Django streams scans itself
            env |= {"DJANGO_MEDIA_ACCEL_REDIRECT": "", "DJANGO_SCAN_ACCEL_REDIRECT": ""}
        app = Gunicorn(env, workers=workers)
        nginx = Nginx(f"127.0.0.1:{app.port}", settings.STATIC_ROOT, port=port)
        try:
            app.start()
            nginx.start()
        except RuntimeError as error:
            app.stop()
            raise CommandError(str(error)) from error
        # Stopped by a signal too (make killed, a service manager): both servers are stopped all the same.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"Serving on {nginx.url} (nginx → gunicorn on {app.url}, log {app.log}); Ctrl-C stops.")
        try:
            while app.running() and nginx.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            nginx.stop()
            app.stop()
