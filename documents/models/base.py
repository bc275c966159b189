"""Small abstract mixins shared by the archive's models."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.text import slugify


class TimeStampedModel(models.Model):
    """Records when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NaturalKeyManager(models.Manager):
    """Looks vocabulary rows up by slug, so fixtures survive primary-key changes."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SluggedModel(models.Model):
    """A named record with a unique slug. When the slug changes, the old one is
    kept in OldSlug so that published links keep answering (with a 301)."""

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
        previous = None
        if self.pk:
            previous = type(self).objects.filter(pk=self.pk).values_list("slug", flat=True).first()
        super().save(*args, **kwargs)
        if previous and previous != self.slug:
            OldSlug.remember(self, previous)

    def natural_key(self):
        return (self.slug,)


def unique_slug(model, text, exclude_pk=None, max_length=200):
    """A slug for text that no other row of model (or its old slugs) uses."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    taken_current = model.objects.exclude(pk=exclude_pk).filter(slug__startswith=base)
    taken = set(taken_current.values_list("slug", flat=True))
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
        old = cls.objects.for_model(model).filter(slug=slug).first()
        return model.objects.filter(pk=old.object_id).first() if old else None
