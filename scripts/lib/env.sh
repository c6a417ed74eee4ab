# Shared by scripts/test, scripts/demo and scripts/bench: find Python 3.13 and
# keep a virtual environment in step with a pinned requirements file.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

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

# ensure_venv DIR REQUIREMENTS [EXTRA PIP ARGS...]: create DIR if missing and
# (re)install REQUIREMENTS whenever the file (or the extra arguments) changed.
ensure_venv() {
    local dir="$1" requirements="$2"
    shift 2
    local stamp want python
    want="$( { cat "$ROOT/$requirements"; echo "$*"; } | sha256sum | cut -d' ' -f1)"
    stamp="$ROOT/$dir/.requirements.sha256"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$ROOT/$dir/bin/python" ]; then
        return 0
    fi
    python="$(find_python)"
    echo "setting up $dir with $("$python" --version) ..." >&2
    rm -rf "${ROOT:?}/$dir"
    "$python" -m venv "$ROOT/$dir"
    "$ROOT/$dir/bin/python" -m pip install --quiet --upgrade pip
    "$ROOT/$dir/bin/python" -m pip install --quiet -r "$ROOT/$requirements"
    if [ "$#" -gt 0 ]; then
        "$ROOT/$dir/bin/python" -m pip install --quiet "$@"
    fi
    echo "$want" >"$stamp"
}
