# shellcheck shell=bash
# Sourced (not run) by scripts/setup, test, demo, bench-* and check-fresh-setup: puts the tools that
# scripts/setup installs where the scripts and the tests look for them.
#
#   - "$HMS_TOOLS_DIR/bin" first on PATH (default <repo>/.tools, gitignored): flatc and shellcheck
#     when setup installed them there (apt-get download + dpkg -x) instead of system-wide;
#   - cargo's bin directory ("${CARGO_HOME:-$HOME/.cargo}/bin", where `cargo install` puts cbindgen)
#     on PATH when it is not already;
#   - HMS_FLATC (the flatc the tests run; their default is /usr/bin/flatc) = flatc on PATH, unless set.
#
# Defines hms_repo (the repository root) and hms_tools_dir; changes nothing else.

hms_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hms_tools_dir=${HMS_TOOLS_DIR:-$hms_repo/.tools}

hms_path_prepend() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$1:$PATH" ;;
  esac
}
hms_path_append() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$PATH:$1" ;;
  esac
}

hms_path_append "${CARGO_HOME:-$HOME/.cargo}/bin"
[ -d "$hms_tools_dir/bin" ] && hms_path_prepend "$hms_tools_dir/bin"
export PATH

if [ -z "${HMS_FLATC:-}" ] && command -v flatc >/dev/null 2>&1; then
  HMS_FLATC=$(command -v flatc)
  export HMS_FLATC
fi
