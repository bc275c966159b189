"""Small abstract mixins shared by the archive's models."""

from anyascii import anyascii
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import F
from django.utils.text import slugify

from ..text import normalize_text


class VersionChanged(Exception):
    """A conditional save found the row at another version than expected (or gone): nothing was written.
    (history/locking.py raises its StaleEdit, a kind of it, when an edit cannot be merged.)"""

    def __init__(self, obj, expected):
        self.obj, self.expected = obj, expected
        super().__init__(f"{obj._meta.verbose_name} {obj.pk} is no longer at version {expected}; nothing was saved.")


class NormalizedTextModel(models.Model):
    """Stores every text field through normalize_text (\\n line breaks, NFC), whichever path saves
    it (admin, API, import, merge, revert, restore): the same text is always stored the same way."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        for model_field in self._meta.concrete_fields:
            if isinstance(model_field, (models.CharField, models.TextField)):
                value = getattr(self, model_field.attname)
                setattr(self, model_field.attname, normalize_text(value))
        super().save(*args, **kwargs)


class TrackedFieldsModel(models.Model):
    """Remembers the values its ``tracked_fields`` had in the database, as loaded, so that a save can
    tell which of them it changes (``changed_fields()``) without reading the row again: the receivers
    (documents/signals.py) ask it whether a name, an address or a status moved. After a save, the
    saved values are the stored ones."""

    tracked_fields = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        self._remember_stored(name for name in self.tracked_fields if update_fields is None or name in update_fields)

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        instance._remember_stored(instance.tracked_fields)
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        self._remember_stored(name for name in self.tracked_fields if fields is None or name in fields)

    def _remember_stored(self, names):
        stored = self.__dict__.setdefault("_stored_values", {})
        stored.update({name: self.__dict__[name] for name in names if name in self.__dict__})

    def stored_values(self):
        """{field name: value} of the tracked fields as the database holds them; {} for a row not yet
        stored. A row this instance did not load (built by hand, or a field deferred) is read once."""
        if self.pk is None:
            return {}
        stored = self.__dict__.setdefault("_stored_values", {})
        missing = [name for name in self.tracked_fields if name not in stored]
        if missing:
            row = type(self)._base_manager.using(self._state.db).filter(pk=self.pk).values(*missing).first()
            if row is None:
                return {}
            stored.update(row)
        return stored

    def changed_fields(self, update_fields=None):
        """The tracked fields whose value this save (of update_fields, None: all loaded) changes in a
        stored row; an empty set for a new row."""
        stored = self.stored_values()
        if not stored:
            return set()
        return {
            name
            for name in self.tracked_fields
            if name in self.__dict__
            and (update_fields is None or name in update_fields)
            and self.__dict__[name] != stored.get(name)
        }


class TimeStampedModel(models.Model):
    """Records when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Counts its saves, so that an edit started from an older version is caught (documents/history/locking.py).

    Every UPDATE of a stored row through save() (update_fields saves too) sets ``version = version + 1``
    in the database, whatever the instance holds, and the new number comes back into the instance
    (UPDATE ... RETURNING); a raw save of a loaded row (``save_base(raw=True)``) counts too
    (documents/signals.py calls count_save() for it). After ``expect_version(n)`` the next save first
    updates only a row still at version n, holding it to the end of the save's transaction, else
    raises VersionChanged with nothing written. QuerySet.update() bypasses this: it must add
    ``version=F("version") + 1`` itself. Expects ``modified_at`` (TimeStampedModel) beside it."""

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="How many times the record has been saved; edits from older ones merge."
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        expected = self.__dict__.pop("_expected_version", None)
        update_fields = kwargs.get("update_fields")
        if self._state.adding or (update_fields is not None and not update_fields):
            return super().save(*args, **kwargs)  # an INSERT, or no write at all
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}  # a save of some fields is a save too
        counted = self.version
        try:
            if expected is None:
                self.count_save()
                return super().save(*args, **kwargs)
            using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
            with transaction.atomic(using=using, savepoint=False):
                # Takes the row (a write lock) only if it is still at the expected version: no save can
                # land between this check and the write below.
                still = type(self)._base_manager.using(using).filter(pk=self.pk, version=expected)
                if not still.update(version=F("version")):
                    raise VersionChanged(self, expected)
                self.count_save()
                return super().save(*args, **kwargs)
        except BaseException:
            if not isinstance(self.version, int):
                self.version = counted  # nothing was written: the instance keeps its number
            raise

    def expect_version(self, version):
        """Make the next save conditional on the stored row still being at ``version``."""
        self._expected_version = version

    def count_save(self):
        """Make the next UPDATE of this stored row set version = version + 1 in the database."""
        if not self._state.adding:
            self.version = F("version") + 1


class SluggedQuerySet(models.QuerySet):
    def resolve_old_slug(self, slug):
        """The row of this queryset that once had ``slug`` (before a rename or a merge), or None: its
        old address answers 301 to the current one (the site and the API alike). One query."""
        old = OldSlug.objects.for_model(self.model).filter(slug=slug).values("object_id")
        return self.filter(pk__in=old).first()


class NaturalKeyManager(models.Manager.from_queryset(SluggedQuerySet)):
    """Looks vocabulary rows up by slug, so fixtures survive primary-key changes."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SluggedModel(TrackedFieldsModel, NormalizedTextModel):
    """A named record with a unique slug. When the slug changes, the old one is
    kept in OldSlug so that published links keep answering (with a 301)."""

    # What a document shows of it (and the search index holds): a change moves those documents.
    tracked_fields = ("name", "slug")
    # Slugs a page of its own answers at instead (people/network/): never given to a record.
    reserved_slugs = ()

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True, blank=True, allow_unicode=False)

    objects = NaturalKeyManager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(type(self), self.name, exclude_pk=self.pk)
        previous = self.stored_values().get("slug")
        super().save(*args, **kwargs)
        if previous and previous != self.slug:
            OldSlug.remember(self, previous)

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude)
        if self.slug in self.reserved_slugs and "slug" not in (exclude or ()):
            raise ValidationError({"slug": f"“{self.slug}” is the address of another page: choose another slug."})

    def natural_key(self):
        return (self.slug,)


def slug_for(text, max_length=200):
    """A URL slug for text in any script, transliterated to ASCII first ("Иосиф Сталин" → "iosif-stalin",
    "毛泽东" → "maozedong"); "" when nothing is left of it."""
    return slugify(anyascii(text))[:max_length].strip("-")


def unique_slug(model, text, exclude_pk=None, max_length=200):
    """A slug for text that no other row of model (or its old slugs) uses."""
    base = slug_for(text, max_length) or model._meta.model_name
    taken_current = model.objects.exclude(pk=exclude_pk).filter(slug__startswith=base)
    taken = set(taken_current.values_list("slug", flat=True))
    taken |= set(model.reserved_slugs)
    taken |= set(OldSlug.objects.for_model(model).filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


class OldSlugQuerySet(models.QuerySet):
    def for_model(self, model):
        return self.filter(content_type=ContentType.objects.get_for_model(model))


class OldSlug(models.Model):
    """A slug a record used to have: its old URL answers 301 to the current one."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    slug = models.SlugField(max_length=255)
    retired_at = models.DateTimeField(auto_now_add=True)

    objects = OldSlugQuerySet.as_manager()

    class Meta:
        ordering = ["content_type", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "slug"], name="oldslug_unique_per_model"),
        ]

    def __str__(self):
        return f"{self.slug} → {self.target}"

    @classmethod
    def remember(cls, obj, slug):
        content_type = ContentType.objects.get_for_model(obj)
        # The new slug may be one this record (or another) used before: it is current now.
        cls.objects.filter(content_type=content_type, slug=obj.slug).delete()
        cls.objects.update_or_create(content_type=content_type, slug=slug, defaults={"object_id": obj.pk})

    @classmethod
    def resolve(cls, model, slug):
        """The current record that once had slug, or None."""
        return model.objects.resolve_old_slug(slug)
