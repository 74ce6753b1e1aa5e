/* dest_null.c: the null destination counts records and discards them; for
 * load tests of everything before the destination. */
#include "autoconfig.h"

#include <stdio.h>

#include "../pipeline/connector.h"

struct null_dest {
	int unused;
};

static const struct confkey null_keys[] = {
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int null_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	(void)opts;
	(void)env;
	(void)in;
	(void)e;
	return 0;
}

static int null_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	(void)w;
	(void)opts;
	(void)b;
	(void)e;
	return 0;
}

static int null_close(void *opts, int ok, struct errbuf *e)
{
	(void)opts;
	(void)ok;
	(void)e;
	return 0;
}

static void null_describe(void *opts, char *dst, size_t n)
{
	(void)opts;
	snprintf(dst, n, "null");
}

const struct dest_ops dest_null = {
	.type = "null",
	.summary = "counts records and discards them",
	.keys = null_keys,
	.opts_size = sizeof(struct null_dest),
	.open = null_open,
	.write = null_write,
	.close = null_close,
	.describe = null_describe,
};
