"""A laptop: the embedded PostgreSQL, files on disk, the embedded filesystem broker. Nothing to configure."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# A fixed, obviously-local key so sessions survive restarts; production.py refuses to start without one.
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"
