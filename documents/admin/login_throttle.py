"""Throttling of the admin's sign-in, by django-axes: a guesser gets a few tries, then waits.

Axes (settings AXES_*, docs/security.md) counts failed sign-ins per user name and per client address in
the database (its AccessAttempt table, made by migrate), so every app server process and host sees the
same counts. After AXES_FAILURE_LIMIT failures, that name or that address is locked until
AXES_COOLOFF_TIME has passed since its last failure: every sign-in for it is refused, even with the
right password (axes' backend refuses before the password is checked), and sign-ins while locked do not
extend the lock. This module is what the archive sets on axes:

- ``client_address`` (AXES_CLIENT_IP_CALLABLE): the address the API's throttle uses, REMOTE_ADDR or the
  address our own proxies saw (API_NUM_PROXIES), so a made-up X-Forwarded-For does not make a fresh client;
- ``user_name`` (AXES_USERNAME_CALLABLE): names are counted case-insensitively;
- ``SignInAttempts`` (AXES_HANDLER): axes' database handler, whose reset after a good sign-in forgets
  only that name's failures (axes' own would forget the address's too: one good account must not buy
  unlimited guesses at others), and which tells when a lock ends;
- ``SignInForm`` (ArchiveAdminSite.login_form): the sign-in page saying when to try again, the same
  message whether or not the user exists and whether the name or the address is locked;
- ``lockout_response`` (AXES_LOCKOUT_CALLABLE): keeps that page; any other sign-in gets the message."""

import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_failure_limit
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle


def client_address(request):
    """The client's address as the API's throttle tells clients apart (REST_FRAMEWORK["NUM_PROXIES"])."""
    return BaseThrottle().get_ident(request) or "unknown"


def user_name(request, credentials):
    """The name a sign-in is counted under: "Archivist" and "archivist " are one name to a guesser."""
    name = credentials.get("username") if credentials else request.POST.get("username")
    return (name or "").strip().casefold() or None


class SignInAttempts(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None):
        """After a good sign-in (AXES_RESET_ON_SUCCESS): forget the failures typed for this name, and
        never the failures from this address for other names."""
        return self.reset_attempts(username=get_client_username(request, credentials))

    def locked_until(self, request, credentials=None):
        """When the lock on this name or this address ends (an aware datetime), or None."""
        AxesProxyHandler.update_request(request)
        limit, cool_off = get_failure_limit(request, credentials), get_cool_off(request)
        ends = []
        for attempts in self.get_user_attempts(request, credentials):
            counted = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            if (counted["failures"] or 0) >= limit:
                ends.append(counted["last"] + cool_off)
        return max(ends, default=None)


def lockout_message(request, credentials=None):
    """What the sign-in page says while locked: when to try again, nothing about the account."""
    now = timezone.now()
    until = AxesProxyHandler.get_implementation().locked_until(request, credentials) or now + get_cool_off(request)
    minutes = max(1, round((until - now) / datetime.timedelta(minutes=1)))
    at = timezone.localtime(until)
    message = ngettext(
        "Too many failed sign-in attempts. Sign-in is paused: try again in %(minutes)d minute (after %(at)s).",
        "Too many failed sign-in attempts. Sign-in is paused: try again in %(minutes)d minutes (after %(at)s).",
        minutes,
    )
    return message % {"minutes": minutes, "at": f"{at:%H:%M} {at.tzname()}"}


class SignInForm(AdminAuthenticationForm):
    """The admin's sign-in form: while axes refuses the name or the address, the form says until when."""

    error_messages = {**AdminAuthenticationForm.error_messages, "locked": "%(message)s"}

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            # Set by axes when this failure reached the limit, or when it refused a locked client.
            if not getattr(self.request, "axes_locked_out", False):
                raise
        self.request.sign_in_lock_shown = True
        message = lockout_message(self.request, get_credentials(self.cleaned_data.get("username")))
        raise ValidationError(self.error_messages["locked"], code="locked", params={"message": message})


def lockout_response(request, response, credentials):
    """Axes' answer to a locked sign-in: the sign-in page that already says so (SignInForm), or else
    the message alone, 429."""
    if getattr(request, "sign_in_lock_shown", False):
        return response
    return HttpResponse(lockout_message(request, credentials), status=429, content_type="text/plain; charset=utf-8")
