#!/bin/sh
# Install wcrecall for the current user, without root and without touching the system's Python (PEP 668 safe):
# a virtualenv in ~/.local/share/wcrecall/venv, and the `wcrecall` command linked into ~/.local/bin.
#
#   sh install.sh                  install from this source folder
#   sh install.sh wcrecall-X.whl   install a built wheel (or give another source folder)
#
# Options: --prefix DIR (the virtualenv; default ~/.local/share/wcrecall/venv), --bin-dir DIR (where the command is
# linked; default ~/.local/bin). PYTHON=/path/to/python3.11 picks the interpreter (3.11 or newer); otherwise the
# newest python3.X found is used. Running it again upgrades in place; removing both paths uninstalls.
# Only pip's package index is used (for the dependencies); nothing else is downloaded.
set -eu

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
prefix="$HOME/.local/share/wcrecall/venv"
bin_dir="$HOME/.local/bin"
source=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a folder"; bin_dir=$2; shift 2 ;;
        --bin-dir=*) bin_dir=${1#--bin-dir=}; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$source" ] || die "give one source folder or wheel, not several"; source=$1; shift ;;
    esac
done
source=${source:-$here}
case "$source" in
    *.whl) [ -f "$source" ] || die "no such wheel: $source" ;;
    *) [ -f "$source/pyproject.toml" ] || die "$source is neither a wcrecall source folder nor a .whl file" ;;
esac
source=$(cd "$(dirname "$source")" && pwd)/$(basename "$source")

new_enough() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }
python=""
if [ -n "${PYTHON:-}" ]; then
    new_enough "$PYTHON" || die "PYTHON=$PYTHON is not Python 3.11 or newer"
    python=$PYTHON
else
    # python3.X first (hosts often keep an old python3); /opt/alt is where cPanel/CloudLinux hosts put theirs.
    for candidate in python3.14 python3.13 python3.12 python3.11 python3 \
        /opt/alt/python314/bin/python3 /opt/alt/python313/bin/python3 /opt/alt/python312/bin/python3 \
        /opt/alt/python311/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 && new_enough "$candidate"; then
            python=$(command -v "$candidate")
            break
        fi
    done
    [ -n "$python" ] || die "wcrecall needs Python 3.11 or newer and none was found. Debian/Ubuntu: \
sudo apt install python3 python3-venv; on shared hosting choose Python 3.11+ in the control panel \
(cPanel: Setup Python App), then run again, or set PYTHON=/path/to/python3.11"
fi
say "Python: $python ($("$python" -c 'import platform; print(platform.python_version())'))"

if [ ! -x "$prefix/bin/python" ] || ! new_enough "$prefix/bin/python"; then
    rm -rf "$prefix"
    mkdir -p "$(dirname "$prefix")"
    if ! "$python" -m venv "$prefix" >/dev/null 2>"$prefix.venv-error"; then
        cat "$prefix.venv-error" >&2
        rm -rf "$prefix" "$prefix.venv-error"
        version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        die "could not create a virtualenv with $python. Debian/Ubuntu: sudo apt install python$version-venv \
(or python3-venv), then run again; on shared hosting ask the host for Python's venv module, or pick another \
Python with PYTHON=..."
    fi
    rm -f "$prefix.venv-error"
fi
say "Installing wcrecall and its dependencies into $prefix ..."
"$prefix/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$source" \
    || die "pip could not install $source (the lines above say why; see the README's Install section for hosts \
without prebuilt wheels)"

mkdir -p "$bin_dir"
ln -sf "$prefix/bin/wcrecall" "$bin_dir/wcrecall"
"$bin_dir/wcrecall" --version >/dev/null || die "the installed command does not start: $bin_dir/wcrecall --version"
say "Installed $("$bin_dir/wcrecall" --version) as $bin_dir/wcrecall"

case ":$PATH:" in
    *":$bin_dir:"*)
        command="wcrecall" ;;
    *)
        command="$bin_dir/wcrecall"
        if [ "$bin_dir" = "$HOME/.local/bin" ]; then
            line='export PATH="$HOME/.local/bin:$PATH"'
        else
            line="export PATH=\"$bin_dir:\$PATH\""
        fi
        say ""
        say "$bin_dir is not on your PATH, so the bare command \`wcrecall\` is not found yet. Add this line to"
        say "~/.profile (and to ~/.bashrc if your shell reads that), then log in again or run it in this shell:"
        say ""
        say "    $line"
        say ""
        say "Until then run it as $command" ;;
esac
say ""
say "Next: $command init      (asks for the store, the REST API key and the mail settings)"
say "      $command doctor    (checks them all)"
