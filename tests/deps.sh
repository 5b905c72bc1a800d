#!/bin/sh
# deps.sh [build|test|bench] - install what flowkit needs, if it is missing.
#
#   build  what building and `make demo` need: a compiler, make and the
#          libpcap, zlib, brotli, zstd and OpenSSL headers
#   test   the build set and every tool the tests and the sanitizer
#          builds use (the default)
#   bench  the test set and what only make bench uses (tcpreplay, strace)
#
# Debian package names; run as root or with sudo available.
set -e
BUILD="build-essential libpcap-dev zlib1g-dev libbrotli-dev libzstd-dev libssl-dev"
TEST="clang bats tcpdump tshark tcpflow tcpreen python3 python3-scapy
libxml2-utils mandoc man-db bsdextrautils iproute2 nginx curl hyperfine time
ethtool parallel rsync openssh-server openssh-client nftables apache2-utils
xxd brotli zstd jq"
BENCH="tcpreplay strace"
case ${1:-test} in
build)	PKGS=$BUILD ;;
test)	PKGS="$BUILD $TEST" ;;
bench)	PKGS="$BUILD $TEST $BENCH" ;;
*)	echo "usage: sh tests/deps.sh [build|test|bench]" >&2; exit 2 ;;
esac
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
