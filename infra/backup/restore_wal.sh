#!/bin/sh
# PostgreSQL's restore_command for the archive archive_wal.sh writes:
#   restore_command = '/srv/touchpoint/infra/backup/restore_wal.sh %f %p /var/lib/postgresql/wal-archive'
# A missing file is not an error to report: recovery asks for files that may not exist (the next timeline's
# history, the segment after the last one) and a non-zero status is how it learns they do not.
set -eu
name=$1 dest=$2 dir=$3
[ -f "$dir/$name" ] || exit 1
cp "$dir/$name" "$dest"
