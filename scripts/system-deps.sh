# Sourced by scripts/bootstrap.sh: the Debian packages the tests and the demo need (a real Redis server for the
# distributed store, Chromium for the browser tests). Installed with apt-get when missing (CI runs as root); when
# that cannot be done, this says so and stops: a test that needs them never skips silently.
SYSTEM_PACKAGES=(redis-server:redis-server chromium:chromium)
missing=()
for entry in "${SYSTEM_PACKAGES[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry#*:}")
done
if ((${#missing[@]} > 0)); then
  echo "installing Debian packages: ${missing[*]}"
  if [[ "$(id -u)" != "0" ]] && ! command -v sudo >/dev/null 2>&1; then
    echo "error: ${missing[*]} missing and this user cannot install Debian packages (needs root or sudo)" >&2
    exit 1
  fi
  SUDO=""
  [[ "$(id -u)" == "0" ]] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$ROOT/.tmp/apt.log" 2>&1; then
    echo "error: apt-get could not install ${missing[*]}; see .tmp/apt.log" >&2
    tail -n 20 "$ROOT/.tmp/apt.log" >&2
    exit 1
  fi
fi
for entry in "${SYSTEM_PACKAGES[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || { echo "error: ${entry%%:*} still missing after apt-get" >&2; exit 1; }
done
