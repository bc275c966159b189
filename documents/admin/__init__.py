"""The curators' admin, one module per concern. DocumentsConfig.ready() imports the modules that register
admins; this package imports nothing itself, because Django imports it to find the admin site's class
(documents/admin/site.py) before any admin may register."""
