/* eh_frame.h: the functions an ELF file's unwind table (.eh_frame) knows
 * of, by their address ranges: every function the compiler emitted call
 * frame information for has one FDE, symbol or not. The symbolizer uses
 * them to tell where a function without a symbol (a static function of a
 * stripped library, a helper inside the vDSO) begins and ends, instead of
 * naming its code after the exported function before it. */
#ifndef NEB_EH_FRAME_H
#define NEB_EH_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct eh_range {
	uint64_t start, end; /* [start, end), link-time addresses */
};

/* Parses n bytes of a .eh_frame section whose first byte is at link-time
 * address `addr`. Returns the FDEs' ranges, sorted by start, in a malloc'd
 * array (NULL when there are none) and their count in *count. Damaged or
 * unknown records end the walk: what was read before them is kept. */
struct eh_range *eh_frame_ranges(const unsigned char *p, size_t n, uint64_t addr, size_t *count);

#endif
