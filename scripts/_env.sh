# Sourced by the entry points in scripts/: makes .venv exist and match the pins.
# The stamp holds a hash of what was installed from, so editing pyproject.toml or
# the pins reinstalls on the next run and nothing needs to be installed by hand.
set -euo pipefail
SPECSITES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$SPECSITES_ROOT/.venv"
# The one place these are set: every entry point, the tests and the benchmark source
# this file. They quiet the MkDocs-2 notices of Material (under `mkdocs`) and of
# properdocs (which the benchmark's mkdocs-redirects pulls in).
export NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true
# The tool's messages name its commands as these entry points (`scripts/build`), not as
# the console script they run (`specsites build`): specsites/program.py.
export SPECSITES_WRAPPERS=scripts

ensure_venv() {
    local want have
    want="$(cat "$SPECSITES_ROOT/pyproject.toml" "$SPECSITES_ROOT/scripts/constraints.txt" | sha256sum | cut -c1-16)"
    have="$(cat "$VENV/.specsites-stamp" 2>/dev/null || true)"
    if [ "$want" != "$have" ]; then
        echo "specsites: setting up $VENV (first run, or the pins changed)" >&2
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            -c "$SPECSITES_ROOT/scripts/constraints.txt" -e "$SPECSITES_ROOT[test]" >&2
        echo "$want" > "$VENV/.specsites-stamp"
    fi
}

# The Zensical engine (the `zensical` extra, pinned in the constraints), installed into
# .venv when a build chooses it, and by scripts/test (the tests build with it).
ensure_zensical() {
    [ -x "$VENV/bin/zensical" ] && return 0
    echo "specsites: installing zensical into $VENV (the engine chosen for this build)" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$SPECSITES_ROOT/scripts/constraints.txt" -e "$SPECSITES_ROOT[zensical]" >&2
}

# Debian packages the browser, server and host-engine tests use; CI machines start without them.
ensure_test_packages() {
    local missing=()
    [ -x "${SPECSITES_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    command -v java >/dev/null || missing+=(default-jre-headless)  # the Nu Html Checker
    command -v npm >/dev/null || missing+=(npm)  # installs the host engines and the Nu Html Checker
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "specsites: tests need: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "specsites: installing ${missing[*]} (Debian packages for the browser and nginx tests)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The hosts' own servers and parsers (wrangler, netlify-cli, Netlify's rule parser,
# with npm's node 22 for wrangler and deno for netlify dev), pinned by the lock file
# in scripts/host-engines/, installed with npm into .cache/host-engines (not in git).
ensure_host_engines() {
    local dir="$SPECSITES_ROOT/.cache/host-engines" want have
    want="$(cat "$SPECSITES_ROOT/scripts/host-engines/package.json" "$SPECSITES_ROOT/scripts/host-engines/package-lock.json" | sha256sum | cut -c1-16)"
    have="$(cat "$dir/.specsites-stamp" 2>/dev/null || true)"
    [ "$want" = "$have" ] && return 0
    echo "specsites: installing the host engines into $dir (npm, about a minute)" >&2
    mkdir -p "$dir"
    cp "$SPECSITES_ROOT/scripts/host-engines/package.json" "$SPECSITES_ROOT/scripts/host-engines/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" > "$dir/.specsites-stamp"
}

# The Nu Html Checker (npm's vnu-jar, run with java) for the HTML validity tests, in
# a cache folder git ignores; tests find it through SPECSITES_VNU_JAR.
VNU_VERSION=26.9.27
ensure_vnu() {
    local dir="$SPECSITES_ROOT/.cache/vnu-$VNU_VERSION"
    export SPECSITES_VNU_JAR="$dir/node_modules/vnu-jar/build/dist/vnu.jar"
    [ -f "$SPECSITES_VNU_JAR" ] && return 0
    echo "specsites: installing the Nu Html Checker (npm vnu-jar@$VNU_VERSION) into $dir" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent "vnu-jar@$VNU_VERSION" >&2
}
