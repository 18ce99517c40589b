from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking out writes: the evidence table is the largest but results' (photos keep arriving).
    atomic = False

    dependencies = [
        ("consistency", "0016_c_retake_overdue_notice"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="evidence",
            index=models.Index(fields=["uploaded_by", "created_at"], name="evidence_uploader_day"),
        ),
    ]
