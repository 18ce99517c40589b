#!/bin/sh
# PostgreSQL's archive_command for a WAL archive in a folder (a mounted volume, or the restore drill's):
#   archive_command = '/srv/touchpoint/infra/backup/archive_wal.sh %p %f /var/lib/postgresql/wal-archive'
# A segment is copied under a temporary name, flushed to disk, then renamed into place, so the archive never
# holds a half-written segment and a segment reported archived survives a power cut. PostgreSQL may archive a
# segment again after a crash: the same bytes are a success, other bytes an error (never overwritten).
# Production archives to S3 with pgBackRest instead (docs/backups.md); this is the same contract in plain commands.
set -eu
src=$1 name=$2 dir=$3
dest="$dir/$name"
if [ -f "$dest" ]; then
  if cmp -s "$src" "$dest"; then exit 0; fi
  echo "archive_wal: $dest already exists with other contents; refusing to overwrite it" >&2
  exit 1
fi
tmp="$dir/.$name.partial"
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$dest"
sync "$dir"
