/* outfile.c: the file destinations' output file (outfile.h). */
#include "autoconfig.h"

#include "outfile.h"

#include "../src/base/clock.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, const char *where, struct errbuf *e)
{
	memset(o, 0, sizeof *o);
	o->f.fd = -1;
	if (!path || !*path)
		return errbuf_set(e, "%s: missing (a file to write, or - for standard output)", where);
	if (atomfile_open(&o->f, path, NULL, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	o->path = o->f.path;
	return 0;
}

int outfile_write(struct outfile *o, const void *p, size_t n, struct errbuf *e)
{
	uint64_t t0 = o->metrics ? clock_now_ns() : 0;
	uint64_t before = o->f.written;
	if (atomfile_write(&o->f, p, n, NULL, e)) {
		/* keep whole batches only: the records counted out are those in the file */
		if (o->f.tmp_path && ftruncate(o->f.fd, (off_t)before) == 0)
			o->f.written = before;
		return -1;
	}
	if (o->metrics)
		connmetrics_count_request(o->metrics, n, t0, clock_now_ns());
	return 0;
}

int outfile_close(struct outfile *o, int ok, struct errbuf *e)
{
	int rc = 0;
	if (ok == -1) {
		atomfile_remove(&o->f);
	} else if (ok == 1) {
		if (atomfile_sync(&o->f, e) || atomfile_rename(&o->f, e)) {
			size_t len = strlen(e->msg);
			if (o->f.tmp_path)
				snprintf(e->msg + len, sizeof e->msg - len, " (nothing committed: partial output left in %s)",
					 o->f.tmp_path);
			rc = -1;
		}
		atomfile_free(&o->f);
	} else {
		if (o->f.tmp_path)
			rc = errbuf_set(e, "partial output left in %s", o->f.tmp_path);
		atomfile_free(&o->f);
	}
	o->path = NULL;
	return rc;
}

const char *outfile_name(const struct outfile *o)
{
	return !o->path ? "" : !strcmp(o->path, "-") ? "stdout" : o->path;
}

void outfile_describe_left(const struct outfile *o, char *dst, size_t n)
{
	if (o->f.tmp_path)
		snprintf(dst, n, "partial output left in %s (%s not written)", o->f.tmp_path, o->path);
	else if (o->path && !strcmp(o->path, "-"))
		snprintf(dst, n, "the records written so far went to standard output");
	else if (o->path)
		snprintf(dst, n, "the records written so far are in %s", o->path);
	else
		snprintf(dst, n, "no output file");
}
