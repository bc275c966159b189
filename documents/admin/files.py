"""The admin of every model that stores files: a file that cannot be written (a full disk) is said on the
form, and nothing is saved."""

import logging

from django import forms

from ..files.storage import StorageError, removed_on_failure

logger = logging.getLogger(__name__)


class StoredFilesAdmin:
    """Mixed into (before) the admin of a model that stores files: when a file cannot be written (a
    full disk), the form comes back with that said on it, and nothing is saved, neither a row (the
    transaction rolls back) nor a file (removed_on_failure removes those the save had written)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with removed_on_failure():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except StorageError as error:
            logger.exception("Storing the files of %s %s failed", self.opts.verbose_name, object_id or "(new)")
            # Once more, with the same data, through a form that refuses: the curator's edits stay on it.
            request.storage_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "storage_error", None)
        return form if error is None else refusing(form, error)


def refusing(form_class, error):
    """The form class, refusing every submission with a message about the storage error."""

    class StorageRefused(form_class):
        def clean(self):
            super().clean()
            raise forms.ValidationError(
                f"The files could not be stored ({error.strerror}). Nothing was saved: "
                "try again, and tell the site's administrators if it happens again.",
                code="storage",
            )

    return StorageRefused
