/* attach.h: `nebtop attach`, the front end against a remote nebtop. */
#ifndef NEB_ATTACH_H
#define NEB_ATTACH_H

/* argv[0] is "attach"; the exit status: 0, 1 (no view could be had), 2
 * (bad usage, or no terminal). */
int attach_main(int argc, char **argv);

#endif
