"""Django's PostgreSQL backend, whose connections stop waiting for a server that does not answer
(settings.DATABASES: ENGINE "documents.ops.postgresql").

A server that is up but frozen (its processes stopped, its disk hung, the machine swapping) accepts
what is sent (the operating system acknowledges it) and never answers: TCP keepalives and
tcp_user_timeout see a healthy peer, the server's own statement_timeout never fires, and psycopg
waits for ever, so every worker hangs until gunicorn kills it. Here a command that gets no answer
within ANSWER_TIMEOUT seconds (settings.py: DJANGO_PG_ANSWER_TIMEOUT, a little longer than the
statement timeout, so that a slow but living server answers with its own cancellation first) closes
the connection and raises OperationalError: the request answers 503 (documents/ops/unavailable.py) and
the next one connects anew, which the connect_timeout bounds."""

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors


class AnsweringConnection(psycopg.Connection):
    """A psycopg connection that gives up on a command after answer_timeout seconds without an answer."""

    answer_timeout = None

    def wait(self, gen, *args, **kwargs):
        # Every exchange with the server (a query, a fetch, a commit, Django's health check) comes here.
        if kwargs.get("timeout") is not None or not self.answer_timeout:  # psycopg's own timeouts stand
            return super().wait(gen, *args, **kwargs)
        try:
            return super().wait(gen, *args, **kwargs, timeout=self.answer_timeout)
        except errors._WaitTimeout:  # psycopg's, for this timeout; the connection's state is unknown
            self.close()
            raise psycopg.OperationalError(
                f"the database server did not answer within {self.answer_timeout:g} s; connection closed"
            ) from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.settings_dict.get("ANSWER_TIMEOUT"):
            # psycopg opens connections of its own class; this one only adds the wait's timeout.
            connection.__class__ = AnsweringConnection
            connection.answer_timeout = self.settings_dict["ANSWER_TIMEOUT"]
        return connection
