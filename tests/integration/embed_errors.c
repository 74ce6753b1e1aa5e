/* embed_errors.c: libnebula's versioning and error paths, run by embed.sh:
 * nebula_version() against the header, a message for every failed call
 * (and none after a success), and callers built with an older (smaller) or
 * a newer (larger) struct layout.
 *
 *   embed_errors SCRATCH_DIR */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nebula.h"

static int embed_failures;

/* One check: prints ok or FAIL with what was seen. */
static void embed_check(int ok, const char *what, const char *seen)
{
	int show = seen && *seen;
	printf("%s - %s%s%s\n", ok ? "ok" : "FAIL", what, show ? ": " : "", show ? seen : "");
	if (!ok)
		embed_failures++;
}

static int embed_has(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

static void embed_check_version(void)
{
	char built[32];
	snprintf(built, sizeof built, "%d.%d.%d", NEBULA_VERSION_MAJOR, NEBULA_VERSION_MINOR, NEBULA_VERSION_PATCH);
	embed_check(!strcmp(nebula_version(), NEBULA_VERSION), "nebula_version() is NEBULA_VERSION", nebula_version());
	embed_check(!strcmp(built, NEBULA_VERSION), "NEBULA_VERSION is MAJOR.MINOR.PATCH", built);
	embed_check(!strcmp(NEBULA_VERSION, PACKAGE_VERSION), "NEBULA_VERSION is the package's version", PACKAGE_VERSION);
	embed_check(NEBULA_VERSION_NUM ==
			    (NEBULA_VERSION_MAJOR << 16 | NEBULA_VERSION_MINOR << 8 | NEBULA_VERSION_PATCH),
		    "NEBULA_VERSION_NUM is major<<16 | minor<<8 | patch", NULL);
}

/* nebula_new's failures: the message goes to err. */
static void embed_check_new(const char *scratch)
{
	char err[512];
	struct nebula_config zero = { 0 };
	err[0] = 0;
	embed_check(!nebula_new(&zero, err, sizeof err) && embed_has(err, "size"), "size 0 is refused", err);
	struct nebula_config small = { .size = sizeof(size_t) };
	err[0] = 0;
	embed_check(!nebula_new(&small, err, sizeof err) && embed_has(err, "too small"), "size without types is refused",
		    err);
	struct nebula_config bits = { .size = sizeof bits, .types = 0x100 };
	err[0] = 0;
	embed_check(!nebula_new(&bits, err, sizeof err) && embed_has(err, "types"), "unknown types bits are refused",
		    err);
	struct nebula_config hz = { .size = sizeof hz, .types = NEBULA_CPU, .cpu_hz = 20000 };
	err[0] = 0;
	embed_check(!nebula_new(&hz, err, sizeof err) && embed_has(err, "cpu_hz"), "cpu_hz 20000 is refused", err);
	embed_check(!nebula_new(&zero, NULL, 0), "a failure without err is still NULL", NULL);

	/* a caller built with a newer header: its fields past ours must be 0 */
	struct {
		struct nebula_config c;
		unsigned long long newer;
	} big = { { .size = sizeof big, .types = NEBULA_CPU, .output_dir = scratch }, 0 };
	nebula_t *n = nebula_new(&big.c, err, sizeof err);
	embed_check(n != NULL, "a larger struct with its new field 0 is taken", n ? NULL : err);
	nebula_free(n);
	big.newer = 1;
	err[0] = 0;
	embed_check(!nebula_new(&big.c, err, sizeof err) && embed_has(err, "does not know"),
		    "a larger struct setting a field the library does not know is refused", err);
}

/* The messages of calls on a handle. */
static void embed_check_handle(const char *scratch)
{
	char err[512], dir[512], blocker[512];
	/* an output folder below a regular file cannot be made, root or not */
	snprintf(blocker, sizeof blocker, "%s/file", scratch);
	FILE *f = fopen(blocker, "w");
	if (!f || fclose(f)) {
		embed_check(0, "making a regular file in the scratch folder", strerror(errno));
		return;
	}
	snprintf(dir, sizeof dir, "%s/sub", blocker);
	struct nebula_config cfg = { .size = sizeof cfg, .types = NEBULA_CPU, .output_dir = dir };
	nebula_t *n = nebula_new(&cfg, err, sizeof err);
	if (!n) {
		embed_check(0, "nebula_new", err);
		return;
	}
	embed_check(!strcmp(nebula_errmsg(n), ""), "a new handle has no message", nebula_errmsg(n));
	embed_check(nebula_snapshot(n, NULL, 0) == -1 && embed_has(nebula_errmsg(n), "nebula_start"),
		    "a snapshot before nebula_start fails with a message", nebula_errmsg(n));
	embed_check(nebula_stop(n, NULL) == -1 && embed_has(nebula_errmsg(n), "not running"),
		    "nebula_stop before nebula_start fails with a message", nebula_errmsg(n));
	embed_check(nebula_start(n) == 0 && !strcmp(nebula_errmsg(n), ""), "nebula_start succeeds, no message",
		    nebula_errmsg(n));
	embed_check(nebula_start(n) == -1 && embed_has(nebula_errmsg(n), "already running"),
		    "a second nebula_start fails with a message", nebula_errmsg(n));
	embed_check(nebula_record_stage_metrics(n, NULL, 1, 1, 1) == -1 && embed_has(nebula_errmsg(n), "stage"),
		    "a stage without a name fails with a message", nebula_errmsg(n));
	embed_check(nebula_record_stage_metrics(n, "parse", 1, 1, 1000) == 0, "a stage's metrics are taken", NULL);
	embed_check(nebula_snapshot(n, NULL, 0) == -1 && embed_has(nebula_errmsg(n), "nebula_snapshot") &&
			    embed_has(nebula_errmsg(n), strerror(ENOTDIR)),
		    "a snapshot into an impossible folder fails with the folder and the errno text", nebula_errmsg(n));
	struct nebula_result r = { 0 };
	embed_check(nebula_stop(n, &r) == -1 && embed_has(nebula_errmsg(n), "size"),
		    "nebula_stop with out->size 0 fails with a message (and does not stop)", nebula_errmsg(n));
	r.size = sizeof r;
	embed_check(nebula_stop(n, &r) == 0 && !strcmp(nebula_errmsg(n), "") && r.nstages == 1 &&
			    !strcmp(r.stages[0]->name, "parse"),
		    "nebula_stop succeeds and clears the message", nebula_errmsg(n));
	nebula_free(n);
	embed_check(nebula_errmsg(NULL) && nebula_errmsg(NULL)[0], "nebula_errmsg(NULL) is a message", nebula_errmsg(NULL));
}

/* A caller built when the structs ended before their newest fields. */
static void embed_check_older(const char *scratch)
{
	char err[512], dir[512], out[512];
	snprintf(dir, sizeof dir, "%s/older", scratch);
	/* cpu_hz is the newest config field: outside size, its garbage is not read */
	struct nebula_config cfg = { .size = offsetof(struct nebula_config, cpu_hz), .types = NEBULA_CPU,
				     .output_dir = dir, .cpu_hz = 999999 };
	nebula_t *n = nebula_new(&cfg, err, sizeof err);
	embed_check(n != NULL, "a config without its newest field (cpu_hz) is taken, the field not read",
		    n ? NULL : err);
	if (!n)
		return;
	embed_check(nebula_start(n) == 0, "the older config starts", nebula_errmsg(n));
	embed_check(nebula_record_stage_metrics(n, "load", 10, 10, 1000) == 0, "the older config records", NULL);
	embed_check(nebula_snapshot(n, out, sizeof out) == 0 && !strcmp(out, dir),
		    "the older config writes its snapshot into output_dir", nebula_errmsg(n));
	/* bottlenecks is the newest result field: outside size, it is not written */
	const struct nebula_bottleneck *const sentinel[1] = { NULL };
	struct nebula_result r = { .size = offsetof(struct nebula_result, bottlenecks), .bottlenecks = sentinel };
	embed_check(nebula_stop(n, &r) == 0 && r.bottlenecks == sentinel && r.nstages == 1 && r.duration_s > 0,
		    "a result without its newest field (bottlenecks) is filled up to it", nebula_errmsg(n));
	nebula_free(n);

	/* a caller built with a newer header: fields the library does not know come back 0 */
	struct {
		struct nebula_result r;
		unsigned long long newer;
	} big = { { .size = sizeof big }, 0xdeadbeefull };
	struct nebula_config c2 = { .size = sizeof c2, .types = NEBULA_CPU, .output_dir = dir };
	n = nebula_new(&c2, err, sizeof err);
	int ok = n && nebula_start(n) == 0 && nebula_stop(n, &big.r) == 0;
	embed_check(ok && big.newer == 0 && big.r.size == sizeof big, "a larger result has its unknown fields zeroed",
		    n ? nebula_errmsg(n) : err);
	nebula_free(n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: embed_errors SCRATCH_DIR\n");
		return 2;
	}
	embed_check_version();
	embed_check_new(argv[1]);
	embed_check_handle(argv[1]);
	embed_check_older(argv[1]);
	if (embed_failures)
		fprintf(stderr, "embed_errors: %d checks failed\n", embed_failures);
	return embed_failures ? 1 : 0;
}
