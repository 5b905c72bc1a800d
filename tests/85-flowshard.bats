#!/usr/bin/env bats
# flowshard: split packets by host pair; the shards reassembled in
# parallel (files, -x, GNU parallel locally and over ssh to localhost)
# give the single run's files, byte for byte.
load helper

local_setup() {
	python3 "$LIB/gen-flows.py" flows 5000 x.pcap
}

teardown() {
	if [ -f "$T/ssh/sshd.pid" ]; then
		kill "$(cat "$T/ssh/sshd.pid")" 2>/dev/null || true
	fi
}

same_dirs() {
	diff -r "$1" "$2" >/dev/null || {
		echo "$1 and $2 differ:"
		diff -rq "$1" "$2" | head
		return 1
	}
}

@test "usage errors exit 2" {
	for args in "" "-n 2" "-o s" "-n 0 -o s" "-n 257 -o s" "-n x -o s" \
	    "-n 2 -o s -x cat" "-n 2 -k -1 -o s" "-n 2 -k 1x -o s" \
	    "-n 2 -k 99999999999999999999 -o s" "-n 2 -o s extra" "-@"; do
		run flowshard $args </dev/null
		[ "$status" -eq 2 ] || { echo "flowshard $args: $status"; return 1; }
	done
	[ ! -e s0.fk ]
}

@test "synthetic 5000 flows: -n 1..4 shards give the single run's files" {
	run "$LIB/shard-same.sh" x.pcap w 1 2 3 4
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls w/single | wc -l)" -eq 10000 ]
}

@test "every shard gets part of the flows; packets and records add up" {
	pcapcat -r x.pcap | flowshard -v -n 4 -o s 2>err
	cat err
	[ "$(grep -c 'packets' err)" -eq 4 ]
	total=0
	for i in 0 1 2 3; do
		p=$(sed -n "s/^flowshard: shard $i: \([0-9]*\) packets.*/\1/p" err)
		[ "$p" -gt 5000 ]	# 35000 packets: none near empty
		total=$((total + p))
	done
	[ "$total" -eq 35000 ]
	run python3 "$LIB/shard-pairs.py" s0.fk s1.fk s2.fk s3.fk
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"packets=35000 ip=35000 fragments=0 pairs=5000"* ]]
}

@test "reused 4-tuples (connection counters) and interleaved flows: -x -n 2, 4" {
	python3 "$LIB/gen-flows.py" interleaved 2000 il.pcap 3
	{ pcapcat -r x.pcap; pcapcat -r x.pcap; pcapcat -r il.pcap; } > in.fk
	reasm < in.fk | flowname | flowsplit -o single >/dev/null
	[ "$(ls single | grep -c 'c1$')" -eq 10000 ]
	for n in 2 4; do
		flowshard -n $n -x "reasm | flowname | flowsplit -o out$n >/dev/null" < in.fk
		same_dirs single out$n
	done
}

@test "corpus: VLAN, fragment, unordered, port-reuse, tunnel and the largest captures shard like a single run" {
	need_corpus
	list=$( {
		awk -F'\t' 'NR > 1 && $11 ~ /vlan|ip-fragments|time-unordered|port-reuse|tunnel/ { print $1 }' \
		    "$FK_CORPUS/MANIFEST.tsv"
		tail -n +2 "$FK_CORPUS/MANIFEST.tsv" | sort -t"$(printf '\t')" -k10,10nr |
		    head -12 | cut -f1
	} | sort -u |
	    # tenants of different tunnels with one inner 4-tuple go to
	    # different shards, and each shard names its flow without the
	    # other's counter (flowshard(1) CAVEATS)
	    grep -v 'vxlan-overlapping-http-get')
	n=0
	for p in $list; do
		"$LIB/shard-same.sh" "$FK_CORPUS/$p" w 2 4 || return 1
		n=$((n + 1))
	done
	echo "$n captures"
	[ "$n" -gt 150 ]
}

@test "corpus: IP fragments stay with their host pair" {
	need_corpus
	for p in $(corpus_tagged ip-fragments); do
		pcapcat -r "$FK_CORPUS/$p" 2>/dev/null || true
	done > frag.fk
	flowshard -n 4 -o s < frag.fk
	run python3 "$LIB/shard-pairs.py" s0.fk s1.fk s2.fk s3.fk
	echo "$output"
	[ "$status" -eq 0 ]
	f=$(echo "$output" | sed 's/.*fragments=\([0-9]*\).*/\1/')
	[ "$f" -gt 100 ]
}

@test "shards are reproducible: independent of FK_HASH_SEED; -k moves them" {
	pcapcat -r x.pcap > in.fk
	FK_HASH_SEED=1 flowshard -n 3 -o a < in.fk
	FK_HASH_SEED=2 flowshard -n 3 -o b < in.fk
	env -u FK_HASH_SEED flowshard -n 3 -o c < in.fk
	flowshard -n 3 -k 0 -o d < in.fk
	flowshard -n 3 -k 0x5eed -o e < in.fk
	for i in 0 1 2; do
		cmp a$i.fk b$i.fk
		cmp a$i.fk c$i.fk
		cmp a$i.fk d$i.fk
	done
	! cmp -s a0.fk e0.fk
	# the commands of -x keep the caller's seed
	FK_HASH_SEED=777 flowshard -n 2 -x 'cat >/dev/null; echo "$FK_SHARD/$FK_SHARDS $FK_HASH_SEED" > env$FK_SHARD' < in.fk
	[ "$(cat env0)" = "0/2 777" ]
	[ "$(cat env1)" = "1/2 777" ]
}

@test "-V puts the VLAN ids in the key; both keep host pairs together" {
	need_corpus
	for p in $(corpus_tagged vlan); do
		pcapcat -r "$FK_CORPUS/$p" 2>/dev/null || true
	done > vlan.fk
	flowshard -n 4 -o a < vlan.fk
	flowshard -V -n 4 -o b < vlan.fk
	python3 "$LIB/shard-pairs.py" a0.fk a1.fk a2.fk a3.fk
	reasm < vlan.fk | flowname | flowsplit -o single >/dev/null
	for i in 0 1 2 3; do
		reasm < b$i.fk | flowname | flowsplit -o outV >/dev/null
	done
	same_dirs single outV
}

@test "non-IP packets and other records go to shard 0, in order" {
	python3 - > in.fk <<'EOF'
import sys
sys.path.insert(0, sys.argv[0] and __import__("os").environ["LIB"])
from fkrec import *
o = sys.stdout.buffer
o.write(stream_header(2))
arp = bytes(12) + b"\x08\x06" + bytes(28)
o.write(record(PACKET, packet_body(arp)))
o.write(record(STATS, b"x.y=1\n"))
o.write(record(0x8001, b"private"))
o.write(record(PACKET, packet_body(b"\x00" * 10, linktype=147)))
o.write(record(END_REC, bytes(8)))
EOF
	for n in 1 3; do
		flowshard -n $n -o s$n. < in.fk
		cmp in.fk s$n.0.fk
	done
	# a stream header and an END record
	[ "$(stat -c %s s3.1.fk)" -eq 32 ]
	[ "$(stat -c %s s3.2.fk)" -eq 32 ]
}

@test "damaged input: exit 3 with the offset, everything before it written" {
	pcapcat -r x.pcap > in.fk
	head -c 100000 in.fk > cut.fk
	run flowshard -n 2 -o s < cut.fk
	[ "$status" -eq 3 ]
	[[ "$output" == *"offset "* ]]
	# every record before the damage is in a shard (less 2 stream headers)
	off=$(echo "$output" | sed -n 's/.*offset \([0-9]*\):.*/\1/p')
	[ "$off" -gt 90000 ]
	[ "$(python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); from fkrec import *
print(sum(8 + len(b) for p in sys.argv[2:] for t, f, b in read_records(open(p, "rb"))
          if t != END_REC))' "$LIB" s0.fk s1.fk)" -eq $((off - 16)) ]
	# and their END records say the stream was cut short
	flowcat < s0.fk 2>/dev/null | tail -1 | grep -q 'END status=incomplete code=3'
	run flowshard -n 2 -o s < /dev/urandom	# garbage: bad magic
	[ "$status" -eq 3 ]
	head -c 5000 /dev/urandom > junk
	{ head -c 16 in.fk; cat junk; } > g.fk
	run flowshard -n 2 -o s < g.fk
	[ "$status" -eq 3 ]
	# a PACKET record too short for its fixed part
	printf 'FLOWKIT\0\1\0\0\0\0\0\0\0\1\0\0\0\4\0\0\0abcd' > short.fk
	run flowshard -n 2 -o s < short.fk
	[ "$status" -eq 3 ]
	[[ "$output" == *"PACKET record"* ]]
	# -x: the splitter's exit 3 is flowshard's, after the commands end
	run flowshard -n 2 -x 'cat > got$FK_SHARD' < cut.fk
	echo "$output"
	[ "$status" -eq 3 ]
	run flowshard -n 2 -o c < cut.fk
	[ "$status" -eq 3 ]
	cmp got0 c0.fk
	cmp got1 c1.fk
}

@test "-x: a failing or killed command fails the run, naming its shard" {
	pcapcat -r x.pcap > in.fk
	run flowshard -n 3 -x '[ $FK_SHARD != 1 ] || exit 7; cat >/dev/null' < in.fk
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"shard 1: command exited 7"* ]]
	run flowshard -n 2 -x 'kill -9 $$' < in.fk
	[ "$status" -eq 1 ]
	[[ "$output" == *"killed by signal 9"* ]]
	run flowshard -n 2 -x 'reasm | flowname | flowsplit -o /nonexistent/x' < in.fk
	[ "$status" -eq 1 ]
	# a command that stops reading and exits 0 ends the run quietly
	run flowshard -n 2 -x 'head -c 100 >/dev/null' < in.fk
	[ "$status" -eq 0 ]
	# a missing shell command
	run flowshard -n 2 -x 'no-such-command-here' < in.fk
	[ "$status" -eq 1 ]
}

@test "bounded memory: RSS does not grow with the input" {
	need_cmd /usr/bin/time
	pcapcat -r x.pcap > one.fk
	for i in $(seq 30); do cat one.fk; done > big.fk	# ~95 MB
	/usr/bin/time -f %M -o small flowshard -n 4 -o s < one.fk
	/usr/bin/time -f %M -o large flowshard -n 4 -o s < big.fk
	echo "max RSS KiB: $(cat small) for 1 copy, $(cat large) for 30"
	[ "$(cat large)" -lt 32768 ]
	[ "$(cat large)" -lt "$(( $(cat small) + 4096 ))" ]
	[ "$(( $(stat -c %s s0.fk) + $(stat -c %s s1.fk) + $(stat -c %s s2.fk) + $(stat -c %s s3.fk) ))" \
	    -eq "$(( $(stat -c %s big.fk) - 29 * 16 + 3 * 16 - 30 * 16 + 4 * 16 ))" ]
}

@test "flowshard(1) EXAMPLES: files, -x and per-shard flow tables" {
	pcapcat -r x.pcap | reasm | flowname | flowsplit -o single >/dev/null
	pcapcat -r x.pcap | flowshard -n 2 -o shard
	pids=
	for i in 0 1; do
		reasm < shard$i.fk | flowname | flowsplit -o out >/dev/null &
		pids="$pids $!"
	done
	wait $pids	# not a bare wait: bats' timeout watchdog is a job too
	same_dirs single out
	pcapcat -r x.pcap |
	    flowshard -n 4 -x 'reasm | flowname | flowsplit -o out4 >/dev/null'
	same_dirs single out4
	pcapcat -r x.pcap | flowshard -n 4 \
	    -x 'reasm -I $FK_SHARD/$FK_SHARDS | flowstat -f tsv > stat$FK_SHARD.tsv'
	pcapcat -r x.pcap | reasm | flowstat -f tsv > stat.tsv
	# the same flows with per-shard ids: compare all but the id column
	rows() { cat "$@" | grep -v '^id' | cut -f2- | sort; }
	[ "$(rows stat.tsv | wc -l)" -eq 5000 ]
	diff <(rows stat.tsv) <(rows stat0.tsv stat1.tsv stat2.tsv stat3.tsv)
}

@test "reasm -I shard/shards under -x: flowstat ids of the shards are disjoint" {
	for n in 1 3 4; do
		rm -f stat*.tsv
		pcapcat -r x.pcap | flowshard -n $n \
		    -x 'reasm -I $FK_SHARD/$FK_SHARDS | flowstat -f tsv > stat$FK_SHARD.tsv'
		ids() { cut -f1 "$@" | grep -v '^id'; }
		[ "$(ids stat*.tsv | wc -l)" -eq 5000 ]
		# no id twice, and shard k's ids are k+1 modulo n
		[ -z "$(ids stat*.tsv | sort | uniq -d)" ]
		for ((k = 0; k < n; k++)); do
			[ -s stat$k.tsv ]
			ids stat$k.tsv | awk -v k=$k -v n=$n \
			    '($1 - 1) % n != k { print "shard " k ": id " $1; bad = 1 }
			     END { exit bad }'
		done
	done
	# without -I the shards' ids collide
	rm -f stat*.tsv
	pcapcat -r x.pcap |
	    flowshard -n 2 -x 'reasm | flowstat -f tsv > stat$FK_SHARD.tsv'
	[ -n "$(ids stat*.tsv | sort | uniq -d)" ]
	# -I 0/1 is the default numbering
	pcapcat -r x.pcap | reasm | flowstat -f tsv > a.tsv
	pcapcat -r x.pcap | reasm -I 0/1 | flowstat -f tsv > b.tsv
	cmp a.tsv b.tsv
	for bad in 1/1 -1/2 2/2 0/0 x/2 1 1/ /2 0/2/3; do
		run reasm -I $bad </dev/null
		[ "$status" -eq 2 ] || { echo "reasm -I $bad: $status"; return 1; }
	done
}

@test "examples/shard.sh with GNU parallel on this host (:) gives the single run's files" {
	need_cmd parallel
	pcapcat -r x.pcap | reasm | flowname | flowsplit -o single >/dev/null
	bash "$FK_ROOT/examples/shard.sh" x.pcap out 3
	same_dirs single out
	bash "$FK_ROOT/examples/shard.sh" x.pcap out1 1 :
	same_dirs single out1
	# the core of the page's example, on this host
	pcapcat -r x.pcap | flowshard -n 8 -o shard
	ls shard*.fk | parallel --will-cite --sshlogin : --env PATH \
	    --transferfile {} --return {.}.tar --cleanup \
	    'set -o pipefail; reasm < {} | flowname |
	     flowsplit -o {.}.d >/dev/null && tar -cf {.}.tar -C {.}.d .' 2>/dev/null
	mkdir core
	for t in shard*.tar; do tar -xf $t -C core; done
	same_dirs single core
	# a failing shard fails the script
	mkdir fake
	printf '#!/bin/sh\nexit 1\n' > fake/reasm
	chmod +x fake/reasm
	PATH="$T/fake:$PATH" run bash "$FK_ROOT/examples/shard.sh" x.pcap out2 2
	[ "$status" -ne 0 ]
}

@test "examples/shard.sh over ssh to localhost (generated keys, sshd on 127.0.0.1)" {
	need_cmd parallel rsync ssh-keygen ssh
	[ -x /usr/sbin/sshd ] || skip "sshd not installed"
	[ "$(id -u)" = 0 ] || skip "needs root to run sshd"
	mkdir ssh && D="$T/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$D/id"
	cp "$D/id.pub" "$D/authorized_keys"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat > "$D/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $D/hostkey
AuthorizedKeysFile $D/authorized_keys
PidFile $D/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
EOF
	cat > "$D/ssh_config" <<EOF
Host fkshard
	HostName 127.0.0.1
	Port $port
	User $(id -un)
	IdentityFile $D/id
	IdentitiesOnly yes
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
	ConnectTimeout 10
EOF
	mkdir -p /run/sshd
	/usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log" || skip "sshd does not start"
	for i in $(seq 50); do
		ssh -F "$D/ssh_config" fkshard true 2>/dev/null && break
		sleep 0.1
	done
	ssh -F "$D/ssh_config" fkshard true || skip "cannot ssh to the local sshd"
	pcapcat -r x.pcap | reasm | flowname | flowsplit -o single >/dev/null
	PARALLEL_SSH="ssh -F $D/ssh_config" \
	    bash "$FK_ROOT/examples/shard.sh" x.pcap out 4 2/fkshard
	same_dirs single out
	# mixed: this host and the "remote" one
	PARALLEL_SSH="ssh -F $D/ssh_config" \
	    bash "$FK_ROOT/examples/shard.sh" x.pcap out2 4 1/:,1/fkshard
	same_dirs single out2
}
