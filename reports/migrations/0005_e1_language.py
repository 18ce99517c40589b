from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_results_csv_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrun",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("fr", "Français")],
                default="en",
                help_text="The language the PDF is written in: that of whoever ordered it "
                "(reports.services.report_order); a scheduled run's is the default.",
                max_length=8,
            ),
        ),
    ]
