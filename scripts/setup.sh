#!/bin/sh
# setup.sh: makes a Debian 12 machine ready for nebtop and builds it: installs
# the packages that are missing (with sudo when not root), generates and runs
# configure once, and runs make. Extra arguments go to configure, and a tree
# configured with other arguments is configured again.
set -eu
cd "$(dirname "$0")/.."

# build, test and fuzz dependencies, as Debian package names (postgresql:
# the server the postgresql connector tests start for themselves; prometheus:
# promtool and the server the export tests start, curl their client,
# python3-yaml reads the Grafana provisioning files they check, nodejs runs
# their OTLP receiver; openssl: the BigQuery tests make an RSA key and
# their server checks JWT signatures with it; chromium,
# fonts-dejavu-core and libxml2-utils: the flame graph tests open the SVG in
# a headless browser and check it with xmllint)
PACKAGES="build-essential autoconf automake libtool pkg-config
	libjansson-dev libcurl4-openssl-dev libssl-dev libunwind-dev libinih-dev zlib1g-dev libncurses-dev
	check python3 clang libclang-rt-14-dev golang-go binutils tmux
	libpq-dev postgresql postgresql-client libmicrohttpd-dev prometheus curl python3-yaml nodejs openssl
	chromium fonts-dejavu-core libxml2-utils"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "setup: installing$missing"
	$SUDO apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
want="$*"
have=""
[ -f .setup-configure-args ] && have=$(cat .setup-configure-args)
if [ ! -f Makefile ] || [ "$want" != "$have" ]; then
	./configure "$@"
	printf '%s' "$want" > .setup-configure-args
fi
make -j"$(nproc)"
