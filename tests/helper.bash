# helper.bash - shared by every tests/NN-*.bats file: `load helper`.
#
# Environment:
#   FK_BIN             directory of the programs under test (default build/bin)
#   FK_UPDATE_GOLDEN=1 rewrite golden files instead of comparing
#   FK_SANITIZER       set by `make asan`/`make ubsan` (tests may go lighter)
#   FK_CORPUS          the shared corpus (default ../shared/corpus from the repo)

FK_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
FK_BIN="${FK_BIN:-$FK_ROOT/build/bin}"
# Tests cd into scratch directories: a relative FK_BIN must become absolute.
case $FK_BIN in /*) ;; *) FK_BIN="$(cd "$FK_BIN" 2>/dev/null && pwd || echo "$FK_ROOT/$FK_BIN")" ;; esac
FK_CORPUS="${FK_CORPUS:-$FK_ROOT/../shared/corpus}"
CORPUS="$FK_CORPUS/pcaps"
DATA="$FK_ROOT/tests/data"
GOLDEN="$FK_ROOT/tests/golden"
LIB="$FK_ROOT/tests/lib"
PATH="$FK_BIN:$PATH"
export PATH FK_BIN FK_ROOT FK_CORPUS CORPUS DATA GOLDEN LIB
# Same hash seed every run, so anything order-dependent is reproducible.
export FK_HASH_SEED="${FK_HASH_SEED:-12345}"

# Fresh scratch directory per test, removed by bats.
setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	if declare -F local_setup >/dev/null; then local_setup; fi
}

# golden NAME FILE: compare FILE with tests/golden/NAME (or rewrite it).
golden() {
	local name="$1" file="$2"
	if [ "${FK_UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$(dirname "$GOLDEN/$name")"
		cp "$file" "$GOLDEN/$name"
		return 0
	fi
	[ -f "$GOLDEN/$name" ] || { echo "no golden file $name (FK_UPDATE_GOLDEN=1 makes it)"; return 1; }
	diff -u "$GOLDEN/$name" "$file"
}

# need_corpus: skip when the shared corpus is not beside the repo.
need_corpus() {
	[ -d "$CORPUS" ] || skip "corpus not found at $FK_CORPUS"
}

# need_cmd CMD...: skip unless every command exists.
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
	done
}

# need_root: skip unless we can create network namespaces.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# corpus_tagged TAG: corpus paths (relative to $FK_CORPUS) whose tags contain TAG.
corpus_tagged() {
	awk -F'\t' -v t="$1" 'NR > 1 && ("," $11 ",") ~ ("," t ",") { print $1 }' \
		"$FK_CORPUS/MANIFEST.tsv"
}

# pipeline FILE DIR [flowname args]: the standard pipeline into DIR.
pipeline() {
	local f="$1" d="$2"
	shift 2
	pcapcat -r "$f" | reasm | flowname "$@" | flowsplit -o "$d"
}

# md5 FILE: print the md5 hex digest only.
md5() {
	md5sum "$1" | cut -d' ' -f1
}

# craft: a record stream on stdout from the python statements on stdin,
# with tests/lib/fkrec.py imported and w = Writer(stdout).
craft() {
	python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); from fkrec import *
w = Writer(sys.stdout.buffer)
exec(sys.stdin.read())
' "$LIB"
}
