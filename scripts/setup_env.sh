#!/usr/bin/env bash
# Create or update one virtual environment from a lock file; rebuild only when it changed.
#   scripts/setup_env.sh app   -> .venv       (Python 3.11, requirements/app.lock, project editable)
#   scripts/setup_env.sh rasa  -> .venv-rasa  (Python 3.10, requirements/rasa.lock)
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:?usage: setup_env.sh app|rasa}
case "$kind" in
  app)  want=3.11; venv=.venv;      lock=requirements/app.lock ;;
  rasa) want=3.10; venv=.venv-rasa; lock=requirements/rasa.lock ;;
  *) echo "usage: setup_env.sh app|rasa" >&2; exit 2 ;;
esac

find_python() {
  local v=$1 p
  if command -v pyenv >/dev/null 2>&1; then
    for p in $(pyenv versions --bare 2>/dev/null | grep -E "^${v//./\\.}(\.[0-9]+)?$" | sort -V -r); do
      if [ -x "$(pyenv root)/versions/$p/bin/python$v" ]; then
        echo "$(pyenv root)/versions/$p/bin/python$v"; return 0
      fi
    done
  fi
  for p in "python$v" "/usr/bin/python$v" "/usr/local/bin/python$v"; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import venv' >/dev/null 2>&1; then
      command -v "$p"; return 0
    fi
  done
  return 1
}

# What the environment is built from: the lock file, pyproject.toml and this script.
want_stamp=$(cat "$lock" scripts/setup_env.sh | sha256sum | cut -d' ' -f1)
editable_stamp=$(sha256sum pyproject.toml | cut -d' ' -f1)

install_project() {  # the project itself, editable; redone only when pyproject.toml changed
  [ "$kind" = app ] || return 0
  if [ "$(cat "$venv/.editable-stamp" 2>/dev/null)" != "$editable_stamp" ]; then
    "$venv/bin/python" -m pip install --no-deps --no-build-isolation --quiet -e .
    echo "$editable_stamp" > "$venv/.editable-stamp"
  fi
}

if [ -f "$venv/.setup-stamp" ] && [ "$(cat "$venv/.setup-stamp")" = "$want_stamp" ] \
   && [ -x "$venv/bin/python" ]; then
  install_project
  echo "setup: $venv is up to date"
  exit 0
fi

if ! py=$(find_python "$want"); then
  cat >&2 <<MSG
setup: Python $want was not found (looked in pyenv and on PATH).
  Install it, then run the command again:
    pyenv install $want       # with pyenv (https://github.com/pyenv/pyenv)
    apt-get install python$want python$want-venv   # or from your distribution
MSG
  exit 1
fi

echo "setup: building $venv with $py ($("$py" --version)) from $lock"
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade "pip<27"
# The lock pins every package; --no-deps keeps pip from resolving anything else.
"$venv/bin/python" -m pip install --no-deps --progress-bar on -r "$lock"
install_project
"$venv/bin/python" -m pip check || { echo "setup: pip check failed for $venv" >&2; exit 1; }
echo "$want_stamp" > "$venv/.setup-stamp"
echo "setup: $venv ready"
