"""Region runs record the region's sites (as runs for listed sites always did): earlier region runs get
the sites their region holds now, the best that can be known of them."""

from django.db import migrations


def record_region_sites(apps, schema_editor):
    ReportRun = apps.get_model("reports", "ReportRun")
    Site = apps.get_model("sites", "Site")
    for run in ReportRun.objects.filter(region__isnull=False, sites__isnull=True):
        run.sites.set(Site.objects.filter(region_id=run.region_id))


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_run_constraints"), ("sites", "0001_initial")]

    operations = [migrations.RunPython(record_region_sites, migrations.RunPython.noop)]
