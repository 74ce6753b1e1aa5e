/* snapshot.c: the snapshot folder, stamps and atomic file writes. */
#include "snapshot.h"

#include "analyzer.h"
#include "config.h"
#include "../pipeline/pipeline.h"

#include "profiler.h"
#include "secrets.h"

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

int snapshot_write_bytes(const char *dir, const char *name, const void *data, size_t n, struct errbuf *e)
{
	const char *text = data;
	char tmp[4200], final[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(final, sizeof final, "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return errbuf_set(e, "cannot write %s: %s", tmp, strerror(errno));
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;
			close(fd);
			unlink(tmp);
			return errbuf_set(e, "cannot write %s: %s", tmp, strerror(err));
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		int err = errno;
		unlink(tmp);
		return errbuf_set(e, "cannot write %s: %s", tmp, strerror(err));
	}
	if (rename(tmp, final) != 0) {
		int err = errno;
		unlink(tmp);
		return errbuf_set(e, "cannot rename %s to %s: %s", tmp, final, strerror(err));
	}
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
static int snapshot_analyze(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
			    struct findings *out, struct errbuf *e)
{
	struct analyzer *own = NULL;
	if (!an) {
		own = analyzer_create(p, s, prof, &pipeline_get_config(p)->al);
		if (!own)
			return errbuf_set(e, "out of memory for the analysis");
		an = own;
	}
	int rc = analyzer_analyze_now(an, out);
	analyzer_free(own);
	return rc ? errbuf_set(e, "out of memory for the analysis") : 0;
}

int snapshot_write(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
		   const char *dir, int final, struct snapshot_result *res, struct errbuf *e)
{
	if (snapshot_begin(dir, res, e))
		return -1;
	char timestamp[40];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (profiler_write_files(prof, dir, res->stamp, res, e))
		return -1;
	struct findings found = { 0 };
	if (snapshot_analyze(p, s, prof, an, &found, e))
		return -1;
	struct snapshot_ctx x = { p, s, prof, &found, timestamp, final };
	struct {
		const char *prefix, *suffix;
		int (*build)(const struct snapshot_ctx *, char **, struct errbuf *);
		int scrub; /* the text is scrubbed whole (the JSON scrubs its string values itself) */
	} parts[] = {
		/* metrics last: its presence marks a complete snapshot for the stamp search */
		{ "report_", ".txt", report_text_build, 1 },
		{ "bottleneck_analysis_", ".txt", report_analysis_build, 1 },
		{ "metrics_", ".json", report_json_build, 0 },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !rc; i++) {
		char *text = NULL;
		if (parts[i].build(&x, &text, e)) {
			rc = -1;
			break;
		}
		/* the last line of defence: no secret, valid UTF-8 */
		char *clean = parts[i].scrub ? secrets_scrub_dup(text, strlen(text)) : text;
		if (clean != text)
			free(text);
		if (!clean) {
			rc = errbuf_set(e, "out of memory for the snapshot");
			break;
		}
		char name[64];
		snprintf(name, sizeof name, "%s%s%s", parts[i].prefix, res->stamp, parts[i].suffix);
		rc = snapshot_write_bytes(dir, name, clean, strlen(clean), e);
		free(clean);
		if (!rc)
			snprintf(res->files[res->nfiles++], sizeof res->files[0], "%s", name);
	}
	findings_free(&found);
	return rc;
}
