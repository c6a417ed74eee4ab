# Shared by scripts/test, scripts/demo and scripts/bench: find Python 3.13 and
# keep a virtual environment in step with a pinned requirements file.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# pip stays quiet: -qq hides the warnings this machine's pip configuration
# prints for every package (missing local index folders); errors still show.
PIP_QUIET=(--quiet --quiet)

find_python() {
    local root candidate
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root)"
        for candidate in "$root/versions/3.13.0/bin/python3" "$root"/versions/3.13.*/bin/python3; do
            [ -x "$candidate" ] && { echo "$candidate"; return 0; }
        done
    fi
    for candidate in "$HOME/.pyenv/versions/3.13.0/bin/python3" python3.13; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "error: Python 3.13 not found (install it with pyenv or put python3.13 on PATH)" >&2
    return 1
}

# _requirements_hash FILE [ARGS...]: what a folder built from FILE (and ARGS) records in its stamp.
_requirements_hash() {
    local requirements="$1"
    shift
    { cat "$ROOT/$requirements"; echo "$*"; } | sha256sum | cut -d' ' -f1
}

# ensure_venv DIR REQUIREMENTS [PIP OPTIONS...]: create DIR if missing and
# (re)install REQUIREMENTS whenever the file (or the options) changed. The
# options go to that install (e.g. --ignore-requires-python).
ensure_venv() {
    local dir="$1" requirements="$2"
    shift 2
    local stamp want python
    want="$(_requirements_hash "$requirements" "$@")"
    stamp="$ROOT/$dir/.requirements.sha256"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$ROOT/$dir/bin/python" ]; then
        return 0
    fi
    python="$(find_python)" || return 1
    local count
    count="$(grep -cE '^[[:space:]]*[A-Za-z0-9]' "$ROOT/$requirements" || true)"
    echo "setting up $dir from $requirements with $("$python" --version) (a few minutes; once, until the file changes)" >&2
    # Each step checked (the callers may run without set -e): no stamp unless all went well. Each says
    # what it does: the demo's environment takes minutes to install, which read as a hang.
    rm -rf "${ROOT:?}/$dir" &&
        echo "setting up $dir (step 1 of 3): creating the environment" >&2 &&
        "$python" -m venv "$ROOT/$dir" &&
        echo "setting up $dir (step 2 of 3): upgrading pip" >&2 &&
        "$ROOT/$dir/bin/python" -m pip install "${PIP_QUIET[@]}" --upgrade pip &&
        echo "setting up $dir (step 3 of 3): installing the $count packages of $requirements and what they need" >&2 &&
        "$ROOT/$dir/bin/python" -m pip install "${PIP_QUIET[@]}" "$@" -r "$ROOT/$requirements" &&
        echo "$want" >"$stamp" &&
        echo "setting up $dir: done" >&2
}

# ensure_overlay DIR BASE_VENV REQUIREMENTS: install REQUIREMENTS (without
# their dependencies) into the folder DIR with BASE_VENV's pip. Run a base
# venv's Python with PYTHONPATH=DIR and those packages replace the base's
# own: how the Modbus tests run against other pymodbus releases without a
# whole Home Assistant environment for each (seconds instead of minutes).
ensure_overlay() {
    local dir="$1" base="$2" requirements="$3"
    local stamp want
    want="$(_requirements_hash "$requirements" "$base")"
    stamp="$ROOT/$dir/.requirements.sha256"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    echo "setting up $dir from $requirements over $base ..." >&2
    rm -rf "${ROOT:?}/$dir" &&
        "$ROOT/$base/bin/python" -m pip install "${PIP_QUIET[@]}" --no-deps --target "$ROOT/$dir" \
            -r "$ROOT/$requirements" &&
        echo "$want" >"$stamp"
}

# ensure_browser: what the period card's browser test needs (tests/integration/test_period_card_browser.py):
# Debian's chromium (installed as root where apt-get is there; Playwright never downloads a browser of its
# own) and Playwright's Python package in .venv-browser. Where either cannot be had the test is skipped and
# says why ("skipped: no chromium ..."); never a failure of the set-up.
ensure_browser() {
    if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's chromium for the browser test ..." >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 ||
            echo "warning: chromium could not be installed: the browser test will be skipped" >&2
    fi
    ensure_venv .venv-browser requirements_browser.txt ||
        echo "warning: .venv-browser could not be set up: the browser test will be skipped" >&2
    return 0
}
