#!/bin/sh
# demo.sh [BIN_DIR] - run flowkit on the bundled capture examples/http.pcap.
#
#   pcapcat -r examples/http.pcap | reasm | flowname | flowsplit -o demo-out
#
# then list the stream files, extract the HTTP bodies with httpsplit into
# demo-out/http and print the flow table with flowstat (each when that
# program exists in BIN_DIR, default build/bin).  demo-out/ is in the
# repository root and is emptied first.
set -e
cd "$(dirname "$0")/.."
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
PCAP=examples/http.pcap
OUT=demo-out

have() { [ -x "$BIN/$1" ]; }

for p in pcapcat reasm flowname flowsplit; do
	have $p || { echo "demo: $BIN/$p not built yet (make)" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== pcapcat -r $PCAP | reasm | flowname | flowsplit -o $OUT"
"$BIN/pcapcat" -r "$PCAP" | "$BIN/reasm" | "$BIN/flowname" | "$BIN/flowsplit" -o "$OUT" >/dev/null
echo "== stream files (bytes  name), one per direction"
find "$OUT" -type f | sort | while read -r f; do
	printf '%8d  %s\n' "$(wc -c <"$f")" "${f#"$OUT"/}"
done

if have httpsplit; then
	echo
	echo "== pcapcat -r $PCAP | reasm | flowname | httpsplit -o $OUT/http"
	"$BIN/pcapcat" -r "$PCAP" | "$BIN/reasm" | "$BIN/flowname" |
		"$BIN/httpsplit" -o "$OUT/http" >/dev/null
	echo "== HTTP bodies (bytes  name)"
	find "$OUT/http" -type f | sort | while read -r f; do
		printf '%8d  %s\n' "$(wc -c <"$f")" "${f#"$OUT"/http/}"
	done
else
	echo "(httpsplit not built: skipping HTTP bodies)"
fi

if have flowstat; then
	echo
	echo "== pcapcat -r $PCAP | reasm | flowstat"
	"$BIN/pcapcat" -r "$PCAP" | "$BIN/reasm" | "$BIN/flowstat"
else
	echo "(flowstat not built: skipping the flow table)"
fi
echo
echo "demo: output in $(pwd)/$OUT"
