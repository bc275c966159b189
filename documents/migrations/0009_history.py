from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("documents", "0008_edit_versions")]

    operations = []
