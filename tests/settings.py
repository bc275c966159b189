"""The settings of the test run: the site's own (archive_project/settings.py), with the two environment
variables a test client needs set first. The test client and live server speak plain HTTP
(DJANGO_HTTPS=0), and static files are read from the apps' folders, not collected
(DJANGO_STATIC_FROM_APPS=1). Servers the tests start inherit both."""

import os

os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_STATIC_FROM_APPS", "1")

from archive_project.settings import *  # noqa: F403
