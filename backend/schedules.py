"""Every periodic job, in one place (read by backend.celery through the settings)."""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {
    # Head office's Monday read: last week's variance report for the whole network, due Mondays 05:00 UTC.
    # Auditors' monthly packs: one compliance pack per active site for the previous month, due the 1st 05:30.
    # Both tick hourly and order the latest period due, once (reports.services: WEEKLY_VARIANCE_DUE,
    # MONTHLY_PACKS_DUE, schedule_key): a tick lost while the broker was down is made up an hour later at most,
    # a tick delivered twice orders nothing new.
    "weekly-network-variance-report": {
        "task": "reports.order_weekly_variance",
        "schedule": crontab(minute=0),
    },
    "monthly-compliance-packs": {
        "task": "reports.order_monthly_packs",
        "schedule": crontab(minute=30),
    },
    # Runs whose message was lost (broker down at order time, a worker killed on the filesystem
    # broker) or whose worker died are handed out again; the claim keeps that idempotent.
    "requeue-lost-report-runs": {
        "task": "reports.requeue_lost_runs",
        "schedule": 60.0,
    },
    # Reminders by each site's cutoff, missed days, corrective actions due soon, overdue and escalated, for every
    # site in its own time zone (alerts/rules.py): a sweep is one statement; running it often tells nobody twice.
    "alerts-sweep": {
        "task": "alerts.sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Head office's weekly digest of the network's last week (alerts/digest.py), early on Monday (UTC), after the
    # weekly variance report is ordered; where Sunday is not over yet, the engine counts it once its check is in.
    "alerts-weekly-digest": {
        "task": "alerts.weekly_digest",
        "schedule": crontab(minute=30, hour=6, day_of_week="mon"),
    },
    # Photos asked for and never confirmed (UNCONFIRMED_PHOTO_HOURS): verified if they arrived, else refused.
    "settle-unconfirmed-photos": {
        "task": "consistency.settle_unconfirmed_photos",
        "schedule": crontab(minute=40),
    },
    # Retakes asked for on review and not given by their deadline (RETAKE_DUE_HOURS): the region's contact is told.
    "notify-overdue-retakes": {
        "task": "consistency.notify_overdue_retakes",
        "schedule": crontab(minute="*/15"),
    },
    # Idempotency-Key records are kept at least 24 hours (IDEMPOTENCY_KEEP_HOURS), then forgotten.
    "purge-idempotency-keys": {
        "task": "consistency.purge_idempotency_keys",
        "schedule": crontab(minute=15, hour=3),
    },
    # Device tokens unused for TOKEN_IDLE_DAYS have expired; their rows go (an owner who signs in again
    # clears their own at once).
    "purge-expired-device-tokens": {
        "task": "sites.purge_expired_tokens",
        "schedule": crontab(minute=25, hour=3),
    },
    # Notices and webhook deliveries whose message was lost, or whose worker died mid-send, are handed out again
    # (notify/services/sweep.py says what a taken-over claim can cost: one message twice).
    "notify-requeue-unsent": {
        "task": "notify.requeue_unsent",
        "schedule": 60.0,
    },
    # The daily digest: every person's notices held before the day's DIGEST_HOUR_UTC, one message each. Run
    # hourly so that a missed hour is made up; what it gathers is bounded by that hour, so once a day.
    "notify-daily-digest": {
        "task": "notify.gather_digests",
        "schedule": crontab(minute=2),
    },
    # The audit trail's chain walked end to end (audit/verify.py), its outcome kept for /app/audit/; head office
    # is told once if an entry was changed or deleted. At night (UTC), when little is appended.
    "audit-verify-chain": {
        "task": "audit.verify_chain",
        "schedule": crontab(minute=45, hour=2),
    },
}
