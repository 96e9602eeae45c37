#!/usr/bin/env bash
# Install CIFAR-10 (python version) as <dest>/cifar-10-batches-py/.
#
# The tarball's md5 is checked BEFORE unpacking; it is unpacked into a temporary folder next to
# the destination and moved into place in one `mv`, so an interrupted or failed run never leaves
# a half-written cifar-10-batches-py/ (a trap removes the temporary folder).
#
# Test hooks (environment): CS231N_CIFAR10_URL (download URL), CS231N_CIFAR10_MD5 (expected md5),
# CS231N_CIFAR10_MIN_BATCH_BYTES (smallest plausible batch file), CS231N_DOWNLOAD_TIMEOUT (s).
set -euo pipefail

readonly OFFICIAL_URL="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
readonly OFFICIAL_MD5="c58f30108f718f92721af3b95e74349a"
readonly TARBALL_NAME="cifar-10-python.tar.gz"
readonly FOLDER="cifar-10-batches-py"
readonly BATCH_FILES=(data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch)
readonly META_FILE="batches.meta"
readonly MIN_META_BYTES=100  # the official batches.meta is 158 bytes
# A batch holds 10000 images x 3072 uint8 values, so it is at least 30,720,000 bytes.
readonly MIN_BATCH_BYTES="${CS231N_CIFAR10_MIN_BATCH_BYTES:-30720000}"
readonly URL="${CS231N_CIFAR10_URL:-$OFFICIAL_URL}"
readonly EXPECTED_MD5="${CS231N_CIFAR10_MD5:-$OFFICIAL_MD5}"
readonly CONNECT_TIMEOUT="${CS231N_DOWNLOAD_TIMEOUT:-30}"
readonly EXIT_CHECK_MISSING=1
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR

usage() {
  cat <<EOF
Usage: bash datasets/get_datasets.sh [--from FILE] [--dest DIR] [--check] [--force]

Install CIFAR-10 (python version, 163 MB) as DIR/$FOLDER/.

  --from FILE   install from a local $TARBALL_NAME instead of downloading
                (without --from, DIR/$TARBALL_NAME is used when present)
  --dest DIR    destination folder (default: \$CS231N_DATASETS if set, else
                the folder of this script: $SCRIPT_DIR)
  --check       only report whether a valid copy is installed (exit 0 if so, 1 if not)
  --force       reinstall even when a valid copy is present
  -h, --help    show this help

The tarball's md5 must be $OFFICIAL_MD5; it is checked before unpacking.
Nothing is done when DIR/$FOLDER/ already holds the 7 files with plausible sizes.
The project then finds the data through CS231N_DATASETS (or datasets/ by default).
EOF
}

say() { printf 'get_datasets: %s\n' "$*"; }
die() {
  printf 'get_datasets: ERROR: %s\n' "$*" >&2
  exit 1
}

# --- arguments ----------------------------------------------------------------------------------
FROM=""
DEST=""
CHECK_ONLY=0
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --from) [ $# -ge 2 ] || die "--from needs a FILE argument"; FROM="$2"; shift 2 ;;
    --from=*) FROM="${1#--from=}"; shift ;;
    --dest) [ $# -ge 2 ] || die "--dest needs a DIR argument"; DEST="$2"; shift 2 ;;
    --dest=*) DEST="${1#--dest=}"; shift ;;
    --check) CHECK_ONLY=1; shift ;;
    --force) FORCE=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
if [ -z "$DEST" ]; then
  DEST="${CS231N_DATASETS:-$SCRIPT_DIR}"
fi
TARGET="$DEST/$FOLDER"

# --- helpers ------------------------------------------------------------------------------------
file_bytes() { wc -c <"$1" | tr -d ' '; }

# Prints nothing and succeeds when folder $1 holds a plausible CIFAR-10; else prints the problem.
cifar_problem() {
  local dir="$1" name
  [ -d "$dir" ] || { echo "$dir does not exist"; return 1; }
  for name in "${BATCH_FILES[@]}"; do
    [ -f "$dir/$name" ] || { echo "$dir/$name is missing"; return 1; }
    if [ "$(file_bytes "$dir/$name")" -lt "$MIN_BATCH_BYTES" ]; then
      echo "$dir/$name is too small ($(file_bytes "$dir/$name") < $MIN_BATCH_BYTES bytes)"
      return 1
    fi
  done
  [ -f "$dir/$META_FILE" ] || { echo "$dir/$META_FILE is missing"; return 1; }
  if [ "$(file_bytes "$dir/$META_FILE")" -lt "$MIN_META_BYTES" ]; then
    echo "$dir/$META_FILE is too small"
    return 1
  fi
}

md5_of() {
  if command -v md5sum >/dev/null 2>&1; then
    md5sum <"$1" | cut -d ' ' -f 1
  elif command -v md5 >/dev/null 2>&1; then
    md5 -q "$1"
  else
    local python
    python="$(command -v python3 || command -v python || true)"
    [ -n "$python" ] || die "no md5sum, md5 or python found to check $1"
    "$python" -c 'import hashlib, sys
h = hashlib.md5()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())' "$1"
  fi
}

manual_instructions() {
  cat >&2 <<EOF

To install CIFAR-10 by hand:
  1. On a machine with internet access, download
       $OFFICIAL_URL
     (163 MB, md5 $OFFICIAL_MD5).
  2. Copy it to this machine, e.g. to $DEST/$TARBALL_NAME
  3. Run:  bash $SCRIPT_DIR/get_datasets.sh --from $DEST/$TARBALL_NAME --dest $DEST
     (a tarball at $DEST/$TARBALL_NAME is also picked up without --from).
Or set CS231N_DATASETS to a folder that already holds $FOLDER/.
Until then the notebooks use the generated stand-in data set (NOT CIFAR-10) and say so.
EOF
}

# --- already there? ------------------------------------------------------------------------------
if problem="$(cifar_problem "$TARGET")"; then
  if [ "$CHECK_ONLY" -eq 1 ] || [ "$FORCE" -eq 0 ]; then
    say "CIFAR-10 is already installed at $TARGET (all 7 files present); nothing to do."
    exit 0
  fi
  say "--force: reinstalling over the valid copy at $TARGET"
else
  if [ "$CHECK_ONLY" -eq 1 ]; then
    say "CIFAR-10 is NOT installed at $TARGET: $problem"
    say "run 'make data' or 'bash datasets/get_datasets.sh --from $TARBALL_NAME' to install it"
    exit "$EXIT_CHECK_MISSING"
  fi
  if [ -e "$TARGET" ]; then
    say "the copy at $TARGET is incomplete ($problem); it will be replaced"
  fi
fi

if [ -n "$FROM" ]; then
  [ -e "$FROM" ] && [ ! -d "$FROM" ] || die "--from $FROM: no such file"
  [ -r "$FROM" ] || die "--from $FROM: file is not readable"
elif [ -f "$DEST/$TARBALL_NAME" ]; then
  FROM="$DEST/$TARBALL_NAME"
  say "using the local tarball $FROM"
fi

# --- temporary folder next to the destination, removed on any exit -------------------------------
CREATED_DIRS=()  # folders this run creates, deepest first; removed again if left empty
missing="$DEST"
while [ ! -d "$missing" ]; do
  CREATED_DIRS+=("$missing")
  missing="$(dirname "$missing")"
done
mkdir -p "$DEST" || die "cannot create the destination folder $DEST"
TMP_DIR="$(mktemp -d "$DEST/.tmp-cifar10.XXXXXX")" || die "cannot create a temporary folder in $DEST"
cleanup() {
  rm -rf "$TMP_DIR"
  local dir
  for dir in "${CREATED_DIRS[@]+"${CREATED_DIRS[@]}"}"; do
    rmdir "$dir" 2>/dev/null || break  # only while still empty
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- get the tarball -----------------------------------------------------------------------------
if [ -n "$FROM" ]; then
  TARBALL="$FROM"
else
  TARBALL="$TMP_DIR/$TARBALL_NAME"
  say "downloading $URL"
  status=0
  if command -v curl >/dev/null 2>&1; then
    curl -fL --connect-timeout "$CONNECT_TIMEOUT" --retry 2 -o "$TARBALL" "$URL" || status=$?
    tool=curl
  elif command -v wget >/dev/null 2>&1; then
    wget --timeout="$CONNECT_TIMEOUT" --tries=3 -O "$TARBALL" "$URL" || status=$?
    tool=wget
  else
    status=127
    tool="curl/wget (neither is installed)"
  fi
  if [ "$status" -ne 0 ]; then
    printf 'get_datasets: ERROR: could not download %s (%s exit status %s).\n' \
      "$URL" "$tool" "$status" >&2
    manual_instructions
    exit 1
  fi
fi

# --- verify, unpack, validate, move into place ------------------------------------------------------
say "checking the md5 of $TARBALL"
actual_md5="$(md5_of "$TARBALL")"
if [ "$actual_md5" != "$EXPECTED_MD5" ]; then
  printf 'get_datasets: ERROR: %s has md5 %s, expected %s.\n' \
    "$TARBALL" "$actual_md5" "$EXPECTED_MD5" >&2
  echo "The file is corrupt, incomplete or not the official CIFAR-10 python tarball;" >&2
  echo "nothing was unpacked. Delete it and download it again." >&2
  manual_instructions
  exit 1
fi

say "unpacking into $TMP_DIR"
mkdir "$TMP_DIR/unpacked"
tar --no-same-owner -xzf "$TARBALL" -C "$TMP_DIR/unpacked" "$FOLDER" ||
  die "could not unpack $FOLDER/ from $TARBALL"
if ! problem="$(cifar_problem "$TMP_DIR/unpacked/$FOLDER")"; then
  die "the unpacked tarball is not a complete CIFAR-10: $problem"
fi

if [ -e "$TARGET" ] || [ -L "$TARGET" ]; then
  mv "$TARGET" "$TMP_DIR/previous"  # removed by the trap
fi
mv "$TMP_DIR/unpacked/$FOLDER" "$TARGET"
say "CIFAR-10 installed at $TARGET"
if [ "$DEST" != "$SCRIPT_DIR" ] && [ "${CS231N_DATASETS:-}" != "$DEST" ]; then
  say "point the project at it with:  export CS231N_DATASETS=$DEST"
fi
