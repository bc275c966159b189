"""Documents, the people in them, the links between them and scans of their pages."""

import uuid

from django.core.exceptions import ValidationError
from django.core.files.images import get_image_dimensions
from django.db import models, router, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone

from ..dates import DatePrecision, date_span, format_partial_date
from ..files.images import make_derivatives, validate_scan_image
from ..files.storage import scan_storage, scan_upload_to
from ..files.uploads import UploadFileField, UploadImageField, display_name, validate_pdf
from .base import NormalizedTextModel, TimeStampedModel, TrackedFieldsModel, VersionedModel, slug_for
from .changes import DocumentChange
from .groups import Collection, Donor
from .people import Person
from .querysets import DocumentPersonQuerySet, DocumentQuerySet, RelationQuerySet
from .record_ids import advance_past, next_record_id
from .vocabularies import Archive, Classification, DocumentType, Language, Place, RelationType, Subject


def gone_record_ids(record_ids):
    """Those of these record IDs whose document was deleted (and not recovered): their addresses
    answer 410 Gone for good, so no other document may take them."""
    return set(
        DocumentChange.objects.deleted()
        .filter(record_id__in=record_ids)
        .exclude(record_id__in=Document.objects.filter(record_id__in=record_ids).values("record_id"))
        .values_list("record_id", flat=True)
    )


def gone_record_id_message(record_id):
    return (
        f"Record ID {record_id} belonged to a deleted document: its address answers “gone” for good "
        "and is never given to another document. Leave the record ID empty for the next free number."
    )


class Document(TrackedFieldsModel, NormalizedTextModel, TimeStampedModel, VersionedModel):
    """A published or draft archival document, addressed by its record id."""

    tracked_fields = ("status",)  # put back to draft, it leaves a tombstone (models/changes.py)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    record_id = models.PositiveIntegerField(
        "record ID",
        unique=True,
        blank=True,
        help_text=(
            "The permanent public number in the document's address. Left empty, the next free number is used; "
            "a deleted document's number is never used again."
        ),
    )
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=255, blank=True, help_text="Made from the title if left empty.")
    alternative_titles = models.TextField(blank=True, help_text="Other titles the document is known by, one per line.")

    date = models.DateField(
        null=True, blank=True, help_text="For a month or a year, enter its first day and choose the precision."
    )
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    date_circa = models.BooleanField("approximate (circa)", default=False)
    date_end = models.DateField(null=True, editable=False, help_text="The last day the date can mean.")
    date_note = models.TextField(
        blank=True, help_text="Where the text's own date differs from the date above, say why."
    )

    doc_type = models.ForeignKey(
        DocumentType, verbose_name="type", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="documents", help_text="Languages of the original."
    )
    classification = models.ForeignKey(
        Classification,
        verbose_name="original classification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    summary = models.TextField(blank=True)
    text = models.TextField(blank=True, help_text="The English translation as published.")
    transcript = models.TextField(blank=True, help_text="A transcript in the original language, where there is one.")
    names_not_linked = models.TextField(
        "names not to link",
        blank=True,
        help_text=(
            "Names or aliases of this document's people that its page should not link to them, one per line "
            "(e.g. a surname that here means someone else). Case and accents do not matter."
        ),
    )
    source = models.TextField(
        blank=True, help_text="Where the original was obtained, with contributor and translator credits."
    )
    archives = models.ManyToManyField(Archive, verbose_name="original archives", blank=True, related_name="documents")
    rights = models.TextField(blank=True)
    original_uploaded_date = models.DateField(null=True, blank=True)
    original_pdf = UploadFileField("PDF of the original", upload_to="pdfs/%Y/", blank=True, validators=[validate_pdf])

    persons = models.ManyToManyField(Person, through="DocumentPerson", related_name="documents", blank=True)
    donors = models.ManyToManyField(Donor, blank=True, related_name="documents")
    collections = models.ManyToManyField(Collection, blank=True, related_name="documents")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="documents")
    places = models.ManyToManyField(Place, blank=True, related_name="documents")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # version and modified_by: VersionedModel.

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "record_id"]
        permissions = [("publish_document", "Can publish and unpublish documents")]
        indexes = [
            # The default order of the list, so a page is read from the index, not sorted.
            models.Index(fields=["status", "-date", "-date_end", "record_id"], name="document_status_date"),
            models.Index(fields=["status", "first_published_at"], name="document_status_published"),
            # The API's updated_since and every list's Last-Modified read the newest changes.
            models.Index(fields=["status", "modified_at"], name="document_status_modified"),
            # Covers facet counts, the date histogram and result counts, which then never read the
            # document rows (on SQLite those columns sit after the long text, in overflow pages).
            models.Index(
                fields=["status", "doc_type", "classification", "date", "date_end", "record_id"],
                name="document_facets",
            ),
            # A narrow copy of what filters check for each candidate document (visibility and
            # the date range), read by id instead of the wide row.
            models.Index(fields=["id", "status", "date", "date_end"], name="document_narrow"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(record_id__gte=1), name="document_record_id_positive"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="document_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(first_published_at__isnull=False),
                name="document_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(date__isnull=True) | Q(date_end__gte=F("date")), name="document_date_span_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.record_id}: {self.title}" if self.record_id else self.title

    def clean(self):
        if self._state.adding and self.record_id is not None and gone_record_ids([self.record_id]):
            raise ValidationError({"record_id": gone_record_id_message(self.record_id)}, code="gone")

    def save(self, *args, **kwargs):
        self.slug = self.slug or slug_for(self.title, 255) or "document"
        using = kwargs.get("using") or router.db_for_write(Document, instance=self)
        if self.record_id is None:
            self.record_id = next_record_id(using)
        elif self._state.adding:
            advance_past(self.record_id, using)  # the sequence never hands out an ID given explicitly
        self.date, self.date_end = date_span(self.date, self.date_precision)
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("documents:document_detail", kwargs={"record_id": self.record_id, "slug": self.slug})

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def display_date(self):
        return format_partial_date(self.date, self.date_precision, self.date_circa)

    def _people_in_role(self, role):
        # Filters in Python so that a prefetched person_links (for_list, for_detail) costs no query.
        links = getattr(self, "author_links", None) if role == DocumentPerson.Role.AUTHOR else None
        if links is None:
            links = [link for link in self.person_links.all() if link.role == role]
        return [link.person for link in links]

    @property
    def language_list(self):
        return list(self.languages.all())  # prefetched by for_list() and for_detail()

    @property
    def authors(self):
        return self._people_in_role(DocumentPerson.Role.AUTHOR)

    @property
    def recipients(self):
        return self._people_in_role(DocumentPerson.Role.RECIPIENT)

    @property
    def participants(self):
        return self._people_in_role(DocumentPerson.Role.PARTICIPANT)

    @property
    def people_mentioned(self):
        return self._people_in_role(DocumentPerson.Role.MENTIONED)

    def related_documents(self, user=None):
        """Documents linked to this one in either direction, worded from this side, in date order;
        only published ones unless user may preview drafts (Relation.objects.related_to)."""
        return Relation.objects.related_to([self], user)[self.pk]


class DocumentPerson(models.Model):
    """A person's part in a document: its author, a recipient, a participant, or someone it mentions."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        RECIPIENT = "recipient", "Recipient"
        PARTICIPANT = "participant", "Participant"
        MENTIONED = "mentioned", "Mentioned"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="person_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="document_links")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.AUTHOR)
    order = models.PositiveSmallIntegerField(default=0, help_text="Position among the people in the same role.")

    objects = DocumentPersonQuerySet.as_manager()

    class Meta:
        verbose_name = "person in a role"
        verbose_name_plural = "people in roles"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "person", "role"], name="documentperson_unique_role"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display().lower()})"


class Relation(NormalizedTextModel):
    """A typed, directed link from one document to another."""

    source = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="outgoing_relations")
    target = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="incoming_relations")
    type = models.ForeignKey(RelationType, on_delete=models.PROTECT, related_name="relations")
    note = models.CharField(max_length=500, blank=True)

    objects = RelationQuerySet.as_manager()

    class Meta:
        ordering = ["source", "type", "target"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="relation_not_to_itself",
                violation_error_message="A document cannot be related to itself.",
            ),
            # One relation per type and pair, whichever way round it was entered.
            models.UniqueConstraint(
                Least("source", "target"),
                Greatest("source", "target"),
                F("type"),
                name="relation_unique_per_type_and_pair",
                violation_error_message="These two documents are already linked by a relation of this type.",
            ),
        ]

    def __str__(self):
        return f"{self.source.record_id} {self.type.name} {self.target.record_id}"


class Scan(NormalizedTextModel):
    """An image of one page of the original, kept as uploaded, with a thumbnail and a reading-size
    image made once, on upload. Its files are served only to those who may see the document."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="scans")
    # Names the scan's folder in storage: unguessable, so one file's URL reveals no other.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    image = UploadImageField(
        "scan",
        upload_to=scan_upload_to,
        storage=scan_storage,
        max_length=255,
        validators=[validate_scan_image],
        help_text="JPEG, PNG, TIFF, WebP or GIF. The file is kept as it is; readers see a copy sized for the screen.",
    )
    # The name the file was uploaded under, only to be shown: it is stored under the server's name.
    original_filename = models.CharField("uploaded as", max_length=255, blank=True, editable=False)
    thumbnail = UploadImageField(
        upload_to=scan_upload_to, storage=scan_storage, max_length=255, editable=False, blank=True
    )
    reading = UploadImageField(
        "reading size", upload_to=scan_upload_to, storage=scan_storage, max_length=255, editable=False, blank=True
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    # The derivatives' sizes, which the IIIF image service offers (documents/iiif/manifests.py): kept here so
    # that a manifest or info.json never opens an image file.
    thumbnail_width = models.PositiveIntegerField(editable=False, null=True)
    thumbnail_height = models.PositiveIntegerField(editable=False, null=True)
    reading_width = models.PositiveIntegerField(editable=False, null=True)
    reading_height = models.PositiveIntegerField(editable=False, null=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Page order: lower numbers come first.")
    alt_text = models.CharField(
        max_length=300, help_text="What the page shows, for readers who cannot see it, e.g. “Page 1, typed cable”."
    )

    class Meta:
        ordering = ["document", "order", "pk"]

    def __str__(self):
        return self.alt_text

    def save(self, *args, **kwargs):
        """Store a new or replaced upload with its derivatives. The image is decoded before anything is
        written; if the row cannot be written, the files written for it are removed again."""
        if not self.image or self.image._committed:
            return super().save(*args, **kwargs)
        derivatives = make_derivatives(self.image)
        self.width, self.height = derivatives.width, derivatives.height
        self.thumbnail_width, self.thumbnail_height = get_image_dimensions(derivatives.thumbnail[1])
        self.reading_width, self.reading_height = get_image_dimensions(derivatives.reading[1])
        self.original_filename = display_name(self.image.name)
        written = []
        try:
            self.image.save(self.image.name, self.image.file, save=False)
            written.append(self.image.name)
            for field, (name, content) in [
                (self.thumbnail, derivatives.thumbnail),
                (self.reading, derivatives.reading),
            ]:
                field.save(name, content, save=False)
                written.append(field.name)
            super().save(*args, **kwargs)
        except BaseException:
            self._delete_from_storage(written)
            raise

    @property
    def file_names(self):
        """The names in storage of the original and its derivatives."""
        return [field.name for field in (self.image, self.thumbnail, self.reading) if field]

    def _delete_from_storage(self, names):
        for name in names:
            self.image.storage.delete(name)

    @classmethod
    def append_to(cls, document, files, description=""):
        """Store validated uploads as the document's next pages, in the order given: all or none.

        A failure part-way removes the files already written. (The caller's own transaction, if any,
        should not roll back after this returns: files written here would then have no row.)"""
        scans = []
        try:
            with transaction.atomic():
                # Lock the document so that two uploads at once do not number their pages alike.
                Document.objects.select_for_update().filter(pk=document.pk).first()
                last = document.scans.aggregate(last=models.Max("order"))["last"] or 0
                for number, file in enumerate(files, start=last + 1):
                    alt_text = f"Page {number}, {description}" if description else f"Page {number}"
                    scan = cls(document=document, image=file, order=number, alt_text=alt_text[:300])
                    scans.append(scan)
                    scan.save()
        except BaseException:
            for scan in scans:
                scan._delete_from_storage(scan.file_names if scan.pk else [])
            raise
        return scans
