/* snapshot_files.c: the snapshot folder, stamps and the files of one
 * snapshot, written whole and named together. */
#include "autoconfig.h"

#include "snapshot_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int snapshot_is_off(const char *dir) { return dir && !strcmp(dir, "none"); }

int snapshot_prepare_dir(const char *dir, struct errbuf *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return errbuf_set(e, "cannot create the output folder %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return errbuf_set(e, "cannot create the output folder %s: %s", path, strerror(errno));
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return errbuf_set(e, "the output folder %s is not a folder", path);
	if (access(path, W_OK | X_OK) != 0)
		return errbuf_set(e, "the output folder %s is not writable: %s", path, strerror(errno));
	return 0;
}

/* Writes dir/.name.tmp (never through an existing name) and syncs it to the
 * disk; f then holds the temporary file, ready to be renamed. */
static int snapshot_write_tmp(struct atomfile *f, const char *dir, const char *name, const void *data, size_t n,
			      struct errbuf *e)
{
	char tmp[4200], final[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(final, sizeof final, "%s/%s", dir, name);
	if (atomfile_open(f, final, tmp, e))
		return -1;
	if (atomfile_write(f, data, n, NULL, e) || atomfile_sync(f, e)) {
		atomfile_remove(f);
		return -1;
	}
	return 0;
}

int snapshot_write_bytes(const char *dir, const char *name, const void *data, size_t n, struct errbuf *e)
{
	struct atomfile f;
	if (snapshot_write_tmp(&f, dir, name, data, n, e))
		return -1;
	int rc = atomfile_rename(&f, e);
	atomfile_remove(&f); /* the temporary file, when the rename failed */
	return rc;
}

int snapshot_stage_file(struct snapshot_result *res, const char *dir, const char *name, const void *data, size_t n,
			struct errbuf *e)
{
	if (res->nfiles >= SNAPSHOT_MAX_FILES)
		return errbuf_set(e, "cannot write %s/%s: more than %d files in one snapshot", dir, name,
				  SNAPSHOT_MAX_FILES);
	if (snapshot_write_tmp(&res->staged[res->nfiles], dir, name, data, n, e))
		return -1;
	snprintf(res->files[res->nfiles++], sizeof res->files[0], "%s", name);
	return 0;
}

void snapshot_discard(struct snapshot_result *res)
{
	for (size_t i = 0; i < res->nfiles; i++) {
		if (!res->staged[i].tmp_path && res->staged[i].path)
			unlink(res->staged[i].path); /* renamed already: the snapshot is whole or absent */
		atomfile_remove(&res->staged[i]);
	}
	res->nfiles = 0;
}

int snapshot_commit(struct snapshot_result *res, struct errbuf *e)
{
	/* in order: the metrics, last, marks a complete snapshot */
	for (size_t i = 0; i < res->nfiles; i++)
		if (atomfile_rename(&res->staged[i], e)) {
			snapshot_discard(res);
			return -1;
		}
	for (size_t i = 0; i < res->nfiles; i++)
		atomfile_free(&res->staged[i]);
	return 0;
}

/* A stamp no earlier snapshot in dir has used. */
static void snapshot_choose_stamp(const char *dir, char *stamp, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char base[20];
	strftime(base, sizeof base, "%Y%m%d_%H%M%S", &tm);
	for (unsigned k = 1; k < 100000; k++) {
		if (k == 1)
			snprintf(stamp, n, "%s", base);
		else
			snprintf(stamp, n, "%.20s_%u", base, k);
		char probe[4200];
		snprintf(probe, sizeof probe, "%s/metrics_%s.json", dir, stamp);
		if (access(probe, F_OK) != 0)
			return;
	}
}

int snapshot_begin(const char *dir, struct snapshot_result *res, struct errbuf *e)
{
	memset(res, 0, sizeof *res);
	if (snapshot_prepare_dir(dir, e))
		return -1;
	snapshot_choose_stamp(dir, res->stamp, sizeof res->stamp);
	return 0;
}

/* The findings of the window ending now. */
