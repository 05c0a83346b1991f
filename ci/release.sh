#!/bin/sh
# Build the release artifacts of the committed HEAD, byte for byte the same on every run:
#
#   sh ci/release.sh [OUT]        (default OUT: dist)
#
# OUT receives the wheel, the sdist, SHA256SUMS, and install.txt: the wheel's line with its
# sha256 followed by the runtime lock, so `cd OUT && pip install --require-hashes --no-deps -r
# install.txt` installs exactly this release and what it was tested with.
#
# Reproducible (https://reproducible-builds.org/docs/source-date-epoch/): built from `git
# archive` of the commit (no untracked or ignored file can slip in; ztix/_commit.txt expanded),
# with the hash-locked build tools of requirements/build.lock, file times and the wheel's zip
# times set to the commit's time by SOURCE_DATE_EPOCH, and the sdist's tar re-packed in name
# order with owner, times and gzip header fixed (setuptools writes the build machine's there).
set -eu
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release.sh: commit or stash your changes first (a release is built from a commit)" >&2
  exit 1
fi
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)
export SOURCE_DATE_EPOCH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src" "$work/dist"
git archive --format=tar HEAD | tar -x -C "$work/src"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
  --no-deps -r requirements/build.lock
umask 022
(cd "$work/src" && "$work/venv/bin/python" -m build --no-isolation --outdir "$work/dist" . >&2)
"$work/venv/bin/python" - "$work/dist" <<'PY'
"""Re-pack the sdist deterministically: members by name, owner root, times the commit's."""
import gzip, io, os, sys, tarfile
from pathlib import Path

epoch = int(os.environ["SOURCE_DATE_EPOCH"])
(sdist,) = Path(sys.argv[1]).glob("*.tar.gz")
with tarfile.open(sdist) as tar:
    members = sorted(tar.getmembers(), key=lambda m: m.name)
    data = {m.name: tar.extractfile(m).read() for m in members if m.isfile()}
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for member in members:
        member.mtime = epoch
        member.uid = member.gid = 0
        member.uname = member.gname = "root"
        member.mode = 0o755 if member.isdir() or member.mode & 0o100 else 0o644
        member.pax_headers = {}
        tar.addfile(member, io.BytesIO(data[member.name]) if member.isfile() else None)
with open(sdist, "wb") as raw, gzip.GzipFile(
    filename="", mode="wb", fileobj=raw, mtime=epoch, compresslevel=9
) as gz:
    gz.write(buffer.getvalue())
PY
cd "$work/dist"
wheel=$(ls ztix-*-py3-none-any.whl)
{
  echo "# ZT-IX $(git -C "$OLDPWD" rev-parse HEAD): this wheel and what it runs with, all by sha256."
  echo "./$wheel \\"
  echo "    --hash=sha256:$(sha256sum "$wheel" | cut -d' ' -f1)"
  grep -v '^#' "$OLDPWD/requirements/runtime.lock"
} > install.txt
sha256sum ztix-* install.txt > SHA256SUMS
cp ztix-* install.txt SHA256SUMS "$out/"
cat SHA256SUMS
