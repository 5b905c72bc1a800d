#!/usr/bin/env bats
# Every capture of the shared corpus (1,414, malformed ones included)
# through every stage: no crash, no hang, no sanitizer report, no leak.
# Under `make asan` this is the issue's "whole corpus under ASan+UBSan".
load helper

@test "the whole corpus through the whole pipeline: no crash, hang or leak" {
	need_corpus
	awk -F'\t' 'NR > 1 && $7 != "text" { print ENVIRON["CORPUS"] "/../" $1 }' \
		"$FK_CORPUS/MANIFEST.tsv" > list
	[ "$(wc -l < list)" -gt 1400 ]
	xargs -d '\n' -n 20 -P "$(nproc)" "$LIB/corpus-run.sh" < list > failures
	if [ -s failures ]; then
		head -50 failures
		echo "$(wc -l < failures) failures"
		return 1
	fi
}
