import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from documents.drill_servers import Gunicorn, Nginx


class Command(BaseCommand):
    help = (
        "make serve-nginx: gunicorn behind nginx (docs/nginx/archive.conf) on 127.0.0.1:PORT, as in production "
        "(docs/deployment.md, 'Behind nginx'), until Ctrl-C. Needs Debian's nginx (apt-get install nginx)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)

    def handle(self, *args, port, workers, **options):
        app = Gunicorn(dict(os.environ), workers=workers)
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
