"""Starter vocabularies: the relation types DESIGN.md names and the languages archives
of this kind most often hold. Curators extend both in the admin."""

from django.db import migrations

RELATION_TYPES = [
    ("related", "related to", "related to"),
    ("reply", "reply to", "replied to by"),
    ("enclosure", "enclosure of", "encloses"),
    ("follow-up", "follow-up to", "followed up by"),
    ("same-conversation", "part of the same conversation as", "part of the same conversation as"),
    ("translation", "translation of", "translated as"),
]

LANGUAGES = [
    ("ar", "Arabic"),
    ("bg", "Bulgarian"),
    ("zh", "Chinese"),
    ("cs", "Czech"),
    ("en", "English"),
    ("fa", "Persian"),
    ("fr", "French"),
    ("de", "German"),
    ("hu", "Hungarian"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("mn", "Mongolian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sr", "Serbian"),
    ("es", "Spanish"),
    ("uk", "Ukrainian"),
    ("vi", "Vietnamese"),
]


def add(apps, schema_editor):
    RelationType = apps.get_model("documents", "RelationType")
    Language = apps.get_model("documents", "Language")
    for slug, name, inverse_name in RELATION_TYPES:
        RelationType.objects.get_or_create(slug=slug, defaults={"name": name, "inverse_name": inverse_name})
    for code, name in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


def remove(apps, schema_editor):
    apps.get_model("documents", "RelationType").objects.filter(slug__in=[t[0] for t in RELATION_TYPES]).delete()
    apps.get_model("documents", "Language").objects.filter(code__in=[code for code, _ in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
