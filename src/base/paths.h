/* paths.h: telling whether two paths name the same file, so that a run can
 * refuse to write over its own input or to send two outputs into one file. */
#ifndef NEB_PATHS_H
#define NEB_PATHS_H

/* 1 when a and b name the same file: the same inode when both exist, else
 * the same absolute path once the folder part is resolved. */
int paths_same_file(const char *a, const char *b);

#endif
