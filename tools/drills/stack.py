"""The private servers and the app that the PostgreSQL, Redis, slow-client and disk drills share."""

import shutil
import tempfile
from pathlib import Path

from documents.ops.servers import ROOT, TEMP_PREFIX, Gunicorn

from .disk import unmount
from .servers import PrivatePostgres, PrivateRedis, collect_static, prepare_database, server_env


class Stack:
    """The private servers and the app that the PostgreSQL, Redis and disk drills share."""

    def __init__(self, corpus, cleanup):
        self.corpus, self.cleanup = corpus, cleanup

    def start(self):
        self.postgres = PrivatePostgres()
        self.cleanup.callback(self.postgres.destroy)
        self.postgres.create()
        self.redis = PrivateRedis()
        self.cleanup.callback(self.redis.destroy)
        self.redis.start()
        self.folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + "app-"))
        self.cleanup.callback(shutil.rmtree, self.folder, ignore_errors=True)
        self.media = self.folder / "media"
        self.media.mkdir()
        self.cleanup.callback(unmount, self.media)  # before the folder goes (callbacks run last first)
        env = server_env(self.postgres.url(), REDIS_URL=self.redis.url, DJANGO_MEDIA_ROOT=self.media)
        self.token = prepare_database(env, corpus=self.corpus)
        collect_static(env)
        self.static_root = ROOT / "staticfiles"  # where collectstatic wrote (settings.STATIC_ROOT)
        self.app = Gunicorn(env, workers=3, log=self.folder / "gunicorn.log")
        self.cleanup.callback(self.app.stop)
        self.app.start()
        return self
