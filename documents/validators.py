"""Validators shared by model fields, forms and the importer."""

from django.core.validators import URLValidator

from .sanitize import WEB_SCHEMES

# A link that a record carries (a donor's web site) is shown to every reader: only http and https,
# never javascript:, data:, ftp: or a relative path.
validate_web_url = URLValidator(
    schemes=list(WEB_SCHEMES), message="Enter a web address starting with http:// or https://."
)
