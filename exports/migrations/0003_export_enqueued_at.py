# A separate step: 0002 was applied to shared databases before this field existed.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('exports', '0002_export_heartbeat'),
    ]

    operations = [
        migrations.AddField(
            model_name='export',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, help_text='Last handed to the broker.', null=True),
        ),
    ]
