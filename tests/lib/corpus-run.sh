#!/bin/bash
# corpus-run.sh CAPTURE... - run every stage on each capture, as one
# pipeline, and print one line per failure: "FAIL <capture> <stage> <rc>".
#
#   pcapcat -r F | reasm | flowname | httpsplit -o h | dfxmlgen -o r.xml |
#       flowsplit -o d | flowstat
#
# pcapcat may exit 0 or 3 (damaged capture: all before the damage is
# output); every other stage must exit 0, or 4 when pcapcat did not
# exit 0 (the END record carries its failure to the end of the pipeline).  A sanitizer report, a leak or a
# crash is a non-zero exit; a stage still running after FK_TIMEOUT seconds
# (default 120) is a hang.  Scratch output goes to a temporary directory.
T=${FK_TIMEOUT:-120}
for f in "$@"; do
	w=$(mktemp -d)
	(
		cd "$w" || exit 1
		timeout "$T" pcapcat -r "$f" 2>pcapcat.err |
			timeout "$T" reasm 2>reasm.err |
			timeout "$T" flowname 2>flowname.err |
			timeout "$T" httpsplit -o h 2>httpsplit.err |
			timeout "$T" dfxmlgen -o r.xml 2>dfxmlgen.err |
			timeout "$T" flowsplit -o d 2>flowsplit.err |
			timeout "$T" flowstat >stat.txt 2>flowstat.err
		rc=("${PIPESTATUS[@]}")
		stages=(pcapcat reasm flowname httpsplit dfxmlgen flowsplit flowstat)
		want=0
		[ "${rc[0]}" -ne 0 ] && want=4
		for i in "${!stages[@]}"; do
			s=${stages[$i]}
			r=${rc[$i]}
			if [ "$s" = pcapcat ] && [ "$r" -eq 3 ]; then
				grep -q offset pcapcat.err || echo "FAIL $f pcapcat 3-without-offset"
				continue
			fi
			if [ "$s" != pcapcat ] && [ "$r" -eq "$want" ]; then
				continue
			fi
			if [ "$r" -ne 0 ] || [ "$s" != pcapcat ]; then
				echo "FAIL $f $s $r $(head -c 300 "$s.err" | tr '\n' ' ')"
			fi
		done
	)
	rm -rf "$w"
done
