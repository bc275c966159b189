"""People get a unique name key (documents/text.py, name_key): one record per name, whatever its case,
spacing or Unicode form.

People who already share a name must not make the migration fail: the first of them (by primary
key) gets the key, each later one keeps none (NULL, which the unique constraint allows) and is listed
here. Saving such a person is refused, naming the other, until an editor merges the two or tells
them apart in the name."""

import unicodedata

from django.db import migrations, models


def name_key(name):
    # documents.text.name_key as of this migration (migrations do not import the app's code).
    text = unicodedata.normalize("NFC", name.replace("\r\n", "\n").replace("\r", "\n"))
    return " ".join(unicodedata.normalize("NFC", text.casefold()).split())


def fill_keys(apps, schema_editor):
    Person = apps.get_model("documents", "Person")
    first, duplicates = {}, []
    for pk, name in Person.objects.order_by("pk").values_list("pk", "name").iterator(chunk_size=2000):
        key = name_key(name)
        if key in first:
            duplicates.append(f"  “{name}” (#{pk}) has the name of #{first[key]}")
            continue
        first[key] = pk
        Person.objects.filter(pk=pk).update(name_key=key)
    if duplicates:
        print(f"\n{len(duplicates)} people have the name of another; merge them or rename them (admin → People):")
        print("\n".join(duplicates))


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0016_http_urls"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="name_key",
            field=models.TextField(
                editable=False,
                help_text="The name as names are compared: whatever its case, spacing or form.",
                null=True,
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                fields=("name_key",),
                name="person_unique_name_key",
                violation_error_message="Another person has this name.",
            ),
        ),
    ]
