#!/bin/sh
# Install what building and testing flowkit needs, if it is missing.
# Debian package names; run as root or with sudo available.
set -e
PKGS="build-essential clang libpcap-dev zlib1g-dev libssl-dev bats
tcpdump tshark tcpflow tcpreen python3 python3-scapy libxml2-utils
mandoc bsdextrautils iproute2 nginx curl hyperfine time ethtool parallel rsync openssh-server openssh-client nftables apache2-utils"
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
