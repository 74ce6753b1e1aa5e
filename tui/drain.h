/* drain.h: what the status line says while a quit drains the pipeline: the
 * records still to write and where they wait, what was written since the
 * quit, an estimate when a rate is known, and that a second q (or Ctrl-C)
 * abandons the drain. Pure: it reads only the model. */
#ifndef NEB_TUI_DRAIN_H
#define NEB_TUI_DRAIN_H

#include <stddef.h>
#include <stdint.h>

struct tui_model;

/* The status text into dst (n bytes): m as it is now, out0 the records
 * written when the quit came, secs the seconds since. */
void tui_drain_status(char *dst, size_t n, const struct tui_model *m, uint64_t out0, double secs);

#endif
