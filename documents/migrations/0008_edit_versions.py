import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def modified_by(model_name):
    return migrations.AddField(
        model_name=model_name,
        name="modified_by",
        field=models.ForeignKey(
            blank=True,
            editable=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="+",
            to=settings.AUTH_USER_MODEL,
        ),
    )


def version(model_name):
    return migrations.AddField(
        model_name=model_name,
        name="version",
        field=models.PositiveIntegerField(
            default=1,
            editable=False,
            help_text="How many times the record has been saved; edits from older ones merge.",
        ),
    )


class Migration(migrations.Migration):
    """Edit versions: every document, person, donor and collection counts its saves and records who saved last."""

    dependencies = [
        ("documents", "0007_facets"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        version("document"),
        version("person"),
        modified_by("person"),
        version("donor"),
        modified_by("donor"),
        version("collection"),
        modified_by("collection"),
    ]
