#!/bin/sh
# test-all.sh: the whole test suite, as CI runs it: set-up and build (warnings
# are errors), the unit, integration and fuzz tests, `make distcheck`, then
# the suite again under AddressSanitizer + UndefinedBehaviorSanitizer and
# under ThreadSanitizer, each built from the distribution tarball.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== build and test"
scripts/setup.sh --enable-werror
make -j"$jobs" check

echo "== distcheck"
make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror

tarball=$(ls -t nebtop-*.tar.gz | head -n 1)
for kind in sanitizers tsan; do
	echo "== test suite under --enable-$kind"
	dir="_build-$kind"
	rm -rf "$dir"
	mkdir "$dir"
	tar -C "$dir" -xzf "$tarball" --strip-components=1
	(cd "$dir" && ./configure -q --enable-werror --enable-$kind && make -j"$jobs" check)
	rm -rf "$dir"
done
echo "== all tests passed"
