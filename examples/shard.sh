#!/bin/bash
# shard.sh - reassemble a capture on several hosts with GNU parallel.
#
# usage: shard.sh capture outdir [shards [sshlogins]]
#
# pcapcat and flowshard cut the capture into `shards' record streams by
# host pair (default 4) here; GNU parallel copies each shard to a host of
# `sshlogins' (default ":", this host; e.g. "4/node1,4/node2"), runs
# reasm | flowname | flowsplit there, and brings the files back in a tar
# archive; the archives are unpacked into outdir, which then holds what
#     pcapcat -r capture | reasm | flowname | flowsplit -o outdir
# writes.  The remote hosts need flowkit in their PATH; this script's PATH
# is passed to them (--env PATH).  ssh options: PARALLEL_SSH="ssh -F cfg".
set -euo pipefail

[ $# -ge 2 ] && [ $# -le 4 ] || {
	echo "usage: shard.sh capture outdir [shards [sshlogins]]" >&2
	exit 2
}
cap=$1 out=$2 n=${3:-4} logins=${4:-:}
case $cap in /*) ;; *) cap=$PWD/$cap ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/shard.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# Shard names unique to this run: remote jobs run in the login directory.
id=${work##*/}
pcapcat -r "$cap" | flowshard -n "$n" -o "$id."
# The job, for any remote login shell (no pipefail): a failed stage leaves
# a .failed file, and the job fails instead of returning an archive.
job='( reasm < {} || echo reasm >> {.}.failed ) |
    ( flowname || echo flowname >> {.}.failed ) |
    flowsplit -o {.}.d > /dev/null && [ ! -e {.}.failed ] &&
    tar -cf {.}.tar -C {.}.d . ; s=$?; rm -rf {.}.d {.}.failed; exit $s'
# Copy the shards there and the archives back (--cleanup removes both
# there), unless all runs here.
set -- --transferfile {} --return {.}.tar --cleanup
[ "$logins" = : ] && set --
# --halt now,fail=1: one failed shard fails the run (exit status non-zero).
ls "$id".*.fk | parallel --will-cite --halt now,fail=1 \
	--sshlogin "$logins" --env PATH "$@" "$job"
for t in "$id".*.tar; do
	tar -xf "$t" -C "$out"
done
