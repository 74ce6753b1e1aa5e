/* fuzz_http_page.c: libFuzzer harness for the HTTP source's page parser
 * (connectors/http_page.c, with json_scan.c): a page body fed in pieces,
 * its records taken as they come, then its end.
 *
 * The input's first byte picks records_path ("", "items", "data.items",
 * "a.b") and the size of the pieces (1 to 64 bytes); the rest is the body.
 * It must never crash, leak or hang. And when the body is valid JSON (no
 * duplicate keys: jansson keeps the last, the stream sees each; no raw NUL
 * byte, which jansson sometimes lets through), the parser
 * must agree with jansson on the whole body: the page ends without error,
 * the records are the elements of the array at records_path, in order,
 * equal as JSON values, and the rest it parses has the same value at every
 * other key (the array emptied). */
#include "autoconfig.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/http_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_page_require(cond, what)                                                        \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_http_page: %s (%s:%d)\n", what, __FILE__, __LINE__); \
			abort();                                                             \
		}                                                                            \
	} while (0)

static const char *const fuzz_page_paths[] = { "", "items", "data.items", "a.b" };

/* Takes the whole records cut so far into all (NUL-separated), three at a
 * time as a reader with small batches would, counting them. */
static void fuzz_page_take(struct http_page *p, struct buf *all, size_t *n)
{
	for (;;) {
		size_t before = all->len, got = http_page_take(p, all, 3);
		size_t nuls = 0;
		for (size_t i = before; i < all->len; i++)
			nuls += all->p[i] == 0;
		fuzz_page_require(nuls == got, "take: records and NUL bytes disagree");
		if (!got)
			return;
		*n += got;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *path = fuzz_page_paths[data[0] & 3];
	size_t piece = 1 + (size_t)(data[0] >> 2);
	const char *body = (const char *)data + 1;
	size_t len = size - 1;

	struct http_page p;
	http_page_init(&p, path);
	struct buf all = { 0 };
	size_t n = 0;
	int failed = 0;
	for (size_t at = 0; at < len && !failed; at += piece) {
		size_t k = len - at < piece ? len - at : piece;
		failed = http_page_feed(&p, body + at, k) != 0;
		fuzz_page_take(&p, &all, &n);
	}
	json_t *rest = NULL;
	if (!failed)
		failed = http_page_finish(&p, &rest) != 0;
	fuzz_page_take(&p, &all, &n);
	fuzz_page_require(!failed || p.err[0], "a failure without a reason");
	fuzz_page_require(n == p.records, "records taken != records counted");

	/* a raw NUL byte is never JSON (the parser makes it 0x01 in a record),
	 * though jansson lets one through after a number */
	json_t *whole = memchr(body, 0, len) ? NULL : json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (whole) {
		json_t *arr = http_page_lookup(whole, path);
		int has_array = json_is_array(arr) || !arr || json_is_null(arr);
		if (has_array) {
			fuzz_page_require(!failed, "valid JSON with an array of records: the page failed");
			size_t want = json_is_array(arr) ? json_array_size(arr) : 0;
			fuzz_page_require(n == want, "not every element of the array is a record");
			size_t off = 0;
			for (size_t i = 0; i < n; i++) {
				size_t l = strlen(all.p + off);
				json_t *r = json_loadb(all.p + off, l, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
				fuzz_page_require(r && json_equal(r, json_array_get(arr, i)), "a record differs from its element");
				json_decref(r);
				off += l + 1;
			}
			if (json_is_array(arr))
				json_array_clear(arr); /* the rest holds it emptied */
			fuzz_page_require(rest && json_equal(rest, whole), "the rest differs from the page");
		} else {
			fuzz_page_require(failed, "records_path holds no array: the page did not fail");
		}
		json_decref(whole);
	}
	json_decref(rest);
	buf_free(&all);
	http_page_free(&p);
	return 0;
}
