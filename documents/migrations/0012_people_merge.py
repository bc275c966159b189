from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("documents", "0011_list_order_nulls_last")]

    operations = []
