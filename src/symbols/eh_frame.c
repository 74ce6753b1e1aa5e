/* eh_frame.c: walking .eh_frame's CIE and FDE records (the format of the
 * LSB's "Exception Frames" section, DWARF call frame information with GNU
 * pointer encodings) for the address range of each FDE. Every read is
 * bounds-checked against the section. */
#include "autoconfig.h"

#include "eh_frame.h"

#include <stdlib.h>
#include <string.h>

/* DW_EH_PE_*: the format (low four bits) and how it applies (next three). */
#define EH_PE_OMIT 0xff
#define EH_PE_FORMAT 0x0f
#define EH_PE_APPLY 0x70
#define EH_PE_PCREL 0x10

struct eh_cursor {
	const unsigned char *p;
	size_t n, off;
	int bad;
};

static uint64_t eh_read_fixed(struct eh_cursor *c, size_t size)
{
	if (c->bad || size > c->n - c->off) {
		c->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++) /* little-endian */
		v |= (uint64_t)c->p[c->off + i] << (8 * i);
	c->off += size;
	return v;
}

/* An LEB128 number; sign-extended when is_signed. */
static uint64_t eh_read_leb(struct eh_cursor *c, int is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	unsigned char byte = 0x80;
	while (byte & 0x80) {
		if (c->bad || c->off >= c->n || shift > 63) {
			c->bad = 1;
			return 0;
		}
		byte = c->p[c->off++];
		v |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	}
	if (is_signed && shift < 64 && (byte & 0x40))
		v |= ~(uint64_t)0 << shift;
	return v;
}

/* A pointer in encoding enc; `at` is the link-time address of c->p. Sets
 * c->bad for encodings this reader does not follow. */
static uint64_t eh_read_pointer(struct eh_cursor *c, unsigned enc, uint64_t at)
{
	uint64_t field = at + c->off, v;
	switch (enc & EH_PE_FORMAT) {
	case 0x00: v = eh_read_fixed(c, 8); break;                      /* absptr */
	case 0x01: v = eh_read_leb(c, 0); break;                    /* uleb128 */
	case 0x02: v = eh_read_fixed(c, 2); break;                      /* udata2 */
	case 0x03: v = eh_read_fixed(c, 4); break;                      /* udata4 */
	case 0x04: v = eh_read_fixed(c, 8); break;                      /* udata8 */
	case 0x09: v = eh_read_leb(c, 1); break;                /* sleb128 */
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)eh_read_fixed(c, 2); break; /* sdata2 */
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)eh_read_fixed(c, 4); break; /* sdata4 */
	case 0x0c: v = eh_read_fixed(c, 8); break;                      /* sdata8 */
	default: c->bad = 1; return 0;
	}
	switch (enc & EH_PE_APPLY) {
	case 0x00: return v;
	case EH_PE_PCREL: return v + field;
	default: c->bad = 1; return 0; /* text-, data-, function-relative: not in .eh_frame FDEs */
	}
}

/* The length field of the record at off: sets *body (after the length)
 * and *end; 0, or -1 at the terminator or a damaged record. */
static int eh_record(const unsigned char *p, size_t n, size_t off, size_t *body, size_t *end)
{
	struct eh_cursor c = { p, n, off, 0 };
	uint64_t len = eh_read_fixed(&c, 4);
	if (len == 0xffffffffu)
		len = eh_read_fixed(&c, 8);
	if (c.bad || len == 0 || len > n - c.off || len < 4)
		return -1;
	*body = c.off;
	*end = c.off + (size_t)len;
	return 0;
}

/* The FDE pointer encoding of the CIE at off (DW_EH_PE_absptr when its
 * augmentation has no 'R'); -1 when it is no CIE this reader follows. */
static int eh_cie_encoding(const unsigned char *p, size_t n, size_t off, uint64_t addr)
{
	size_t body, end;
	if (eh_record(p, n, off, &body, &end))
		return -1;
	struct eh_cursor c = { p, end, body, 0 };
	if (eh_read_fixed(&c, 4) != 0) /* a CIE's id is 0 in .eh_frame */
		return -1;
	unsigned version = (unsigned)eh_read_fixed(&c, 1);
	if (c.bad || (version != 1 && version != 3))
		return -1;
	const char *aug = (const char *)p + c.off;
	size_t auglen = strnlen(aug, end - c.off);
	if (auglen == end - c.off)
		return -1;
	c.off += auglen + 1;
	eh_read_leb(&c, 0); /* code alignment */
	eh_read_leb(&c, 1);       /* data alignment */
	if (version == 1)
		eh_read_fixed(&c, 1); /* return address register */
	else
		eh_read_leb(&c, 0);
	if (aug[0] != 'z')
		return auglen == 0 && !c.bad ? 0x00 : -1; /* "eh" and other old forms: not followed */
	eh_read_leb(&c, 0); /* augmentation data length */
	int enc = 0x00;
	for (size_t i = 1; i < auglen && !c.bad; i++) {
		switch (aug[i]) {
		case 'R': enc = (int)eh_read_fixed(&c, 1); break;
		case 'L': eh_read_fixed(&c, 1); break;
		case 'P': {
			unsigned penc = (unsigned)eh_read_fixed(&c, 1);
			eh_read_pointer(&c, penc & 0x7f, addr); /* the personality routine: skipped */
			break;
		}
		case 'S': case 'B': case 'G': break;
		default: return -1;
		}
	}
	return c.bad ? -1 : enc;
}

static int eh_range_cmp(const void *a, const void *b)
{
	const struct eh_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

struct eh_range *eh_frame_ranges(const unsigned char *p, size_t n, uint64_t addr, size_t *count)
{
	struct eh_range *v = NULL;
	size_t nv = 0, cap = 0;
	size_t off = 0, body, end;
	int last_enc = -1;
	size_t last_cie = (size_t)-1;
	while (off < n && eh_record(p, n, off, &body, &end) == 0) {
		struct eh_cursor c = { p, end, body, 0 };
		uint32_t id = (uint32_t)eh_read_fixed(&c, 4);
		if (id) { /* an FDE: id is the distance back to its CIE */
			if (id > body)
				break;
			size_t cie = body - id;
			if (cie != last_cie) {
				last_cie = cie;
				last_enc = eh_cie_encoding(p, n, cie, addr);
			}
			if (last_enc < 0 || last_enc == EH_PE_OMIT)
				break;
			uint64_t start = eh_read_pointer(&c, (unsigned)last_enc, addr);
			uint64_t len = eh_read_pointer(&c, (unsigned)last_enc & EH_PE_FORMAT, addr);
			if (c.bad)
				break;
			if (start && len && start + len > start) { /* 0: an FDE of code the linker dropped */
				if (nv == cap) {
					cap = cap ? 2 * cap : 64;
					struct eh_range *w = realloc(v, cap * sizeof *w);
					if (!w)
						break;
					v = w;
				}
				v[nv++] = (struct eh_range){ start, start + len };
			}
		}
		off = end;
	}
	if (nv)
		qsort(v, nv, sizeof *v, eh_range_cmp);
	*count = nv;
	return v;
}
