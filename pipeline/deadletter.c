/* deadletter.c: the dead-letter file (deadletter.h). */
#include "autoconfig.h"

#include "deadletter.h"

#include <string.h>
#include <unistd.h>

int deadletter_open(struct deadletter *d, const char *path, struct errbuf *e)
{
	memset(d, 0, sizeof *d);
	return atomfile_open(&d->f, path, NULL, e);
}

void deadletter_add(struct deadletter *d, const char *line, size_t n)
{
	if (!d->failed)
		buf_append(&d->pending, line, n);
}

uint64_t deadletter_flush(struct deadletter *d, int *failed, struct errbuf *e)
{
	*failed = 0;
	if (d->failed || !d->pending.len) {
		d->pending.len = 0;
		return 0;
	}
	size_t done = 0;
	uint64_t before = d->f.written;
	int rc = atomfile_write(&d->f, d->pending.p, d->pending.len, &done, e);
	if (rc) {
		d->failed = *failed = 1;
		errbuf_prefix(e, "the dead-letter file");
		/* whole lines only: cut a line the error cut */
		while (done > 0 && d->pending.p[done - 1] != '\n')
			done--;
		if (d->f.tmp_path && ftruncate(d->f.fd, (off_t)(before + done)) == 0)
			d->f.written = before + done;
	}
	uint64_t lines = 0;
	for (size_t i = 0; i < done; i++)
		lines += d->pending.p[i] == '\n';
	d->pending.len = 0;
	return lines;
}

int deadletter_sync(struct deadletter *d, struct errbuf *e)
{
	if (atomfile_sync(&d->f, e)) {
		errbuf_prefix(e, "the dead-letter file");
		return -1;
	}
	return 0;
}

int deadletter_close(struct deadletter *d, int ok, struct errbuf *e)
{
	int rc = 0;
	if (ok == -1) {
		atomfile_remove(&d->f);
	} else if (ok == 1 && !d->failed) {
		if (atomfile_sync(&d->f, e) || atomfile_rename(&d->f, e)) {
			errbuf_prefix(e, "the dead-letter file");
			rc = -1;
		}
		atomfile_free(&d->f);
	} else {
		if (d->f.tmp_path)
			rc = errbuf_set(e, "the bad records written so far are left in %s", d->f.tmp_path);
		atomfile_free(&d->f);
	}
	buf_free(&d->pending);
	return rc;
}
