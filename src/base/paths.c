/* paths.c: comparing file paths. */
#include "autoconfig.h"

#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The absolute form of path with its folder resolved (the file itself may
 * not exist yet); 0 when the folder cannot be resolved. */
static int paths_resolve(const char *path, char *out, size_t n)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (!realpath(dir, real))
		return 0;
	snprintf(out, n, "%s/%s", strcmp(real, "/") ? real : "", base);
	return 1;
}

int paths_same_file(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	char ra[PATH_MAX + 8], rb[PATH_MAX + 8];
	if (!paths_resolve(a, ra, sizeof ra) || !paths_resolve(b, rb, sizeof rb))
		return !strcmp(a, b);
	return !strcmp(ra, rb);
}
