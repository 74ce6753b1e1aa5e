/* connmetrics.c: the counting helpers of connmetrics.h. */
#include <stddef.h>

#include "connmetrics.h"

void connmetrics_count_request(struct connmetrics *m, uint64_t bytes, uint64_t start_ns, uint64_t end_ns)
{
	if (!m)
		return;
	connmetrics_add(&m->requests, 1);
	connmetrics_add(&m->bytes, bytes);
	if (end_ns > start_ns)
		connmetrics_add(&m->wait_ns, end_ns - start_ns);
}

void connmetrics_count_connect(struct connmetrics *m, uint64_t start_ns, uint64_t end_ns)
{
	if (!m)
		return;
	connmetrics_add(&m->connects, 1);
	if (end_ns > start_ns)
		connmetrics_add(&m->connect_ns, end_ns - start_ns);
}
