#!/bin/sh
# Install ZT-IX exactly as pinned, into a virtual environment cached between runs.
#
#   sh install.sh REQUIREMENTS [SOURCE]
#
# REQUIREMENTS lists every package with its sha256 (pip --require-hashes --no-deps: nothing
# unlisted, nothing unhashed): the lock, and in a data-only repository written by `ztix init`
# also the ztix wheel's own line. A hash that does not match stops here, before any step that
# holds a secret. SOURCE (the fork model) is a ztix checkout installed on top, built offline
# with the hash-locked setuptools of requirements/build.lock.
#
# The environment is made once per key (the requirements' hash, the checkout's tree id, the
# Python version) under ZTIX_VENV_CACHE (default ~/.cache/ztix), with the runner's own python3
# (no setup-python on self-hosted runners); a warm runner reuses it in milliseconds. Prints the
# directory to put first on PATH.
set -eu
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: sh install.sh REQUIREMENTS [SOURCE] (REQUIREMENTS must be a file)" >&2
  exit 2
fi
req=$1
src=${2:-}
cache=${ZTIX_VENV_CACHE:-$HOME/.cache/ztix}
py=$(python3 -c 'import sys; print("py%d%d" % sys.version_info[:2])')
key=$(sha256sum "$req" | cut -c1-16)
if [ -n "$src" ]; then
  build="$src/requirements/build.lock"
  shipped="ztix templates ci requirements pyproject.toml setup.py"
  # The git objects of what is shipped: the same commit of them, the same environment.
  # shellcheck disable=SC2046,SC2086  # one argument per path
  if ids=$(cd "$src" && git rev-parse $(printf 'HEAD:%s ' $shipped) 2>/dev/null) &&
    [ -z "$(git -C "$src" status --porcelain -- $shipped 2>&1)" ]; then
    tree=$(printf '%s\n' "$ids" | sha256sum | cut -c1-16)
  else
    tree="uncommitted-$(date +%s)-$$"  # never reused: what it holds is in no commit
  fi
  key="$key-$tree-$(sha256sum "$build" | cut -c1-8)"
fi
venv="$cache/venv-$key-$py"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # one install at a time on this runner; the next one finds it done
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  pip="$venv/bin/python -m pip --disable-pip-version-check --quiet"
  $pip install --require-hashes --no-deps -r "$req" >&2
  if [ -n "$src" ]; then
    $pip install --require-hashes --no-deps -r "$build" >&2
    # The checkout is the commit this job runs (git vouches for it): built once into a wheel
    # with the hash-locked setuptools, then that wheel, and only it, installed by its hash.
    wheels="$venv/.wheels"
    $pip wheel --no-deps --no-build-isolation --no-index -w "$wheels" "$src" >&2
    set -- "$wheels"/ztix-*.whl
    printf '%s --hash=sha256:%s\n' "$1" "$(sha256sum "$1" | cut -d' ' -f1)" >"$wheels/ztix.txt"
    $pip install --require-hashes --no-deps --no-index -r "$wheels/ztix.txt" >&2
  fi
  if [ ! -x "$venv/bin/ztix" ]; then
    echo "install.sh: $req installs no ztix: pin its wheel there (see the file's first lines)" >&2
    exit 1
  fi
  "$venv/bin/ztix" --version >&2
  touch "$venv/.complete"
fi
# Old environments of this runner (other keys) are left for the operator's cleanup timer.
echo "$venv/bin"
