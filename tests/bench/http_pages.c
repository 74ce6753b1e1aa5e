/* http_pages: the HTTP server of the http source's benchmark (run_http_bench.sh),
 * and a client that measures what it serves.
 *
 *   http_pages [-n RECORDS] [-s PER_PAGE] PORT_FILE
 *     renders RECORDS records of gen_record.c (default 1000000; JSON objects, as
 *     gen_csv -f jsonl writes them) into pages of PER_PAGE (default 1000) in
 *     memory, listens on 127.0.0.1 (a free port, written to PORT_FILE once the
 *     pages are ready) and serves GET /pages?page=K (K from 1):
 *       {"data":{"items":[records]},"links":{"next":"pages?page=K+1"}}
 *     with "next":null on the last page; any other page is a 404. HTTP/1.1,
 *     keep-alive, Content-Length, one thread per connection; runs until killed.
 *   http_pages --client PORT PAGES
 *     fetches pages 1..PAGES in turn on one kept-alive connection, checks each
 *     page's next link, and prints "PAGES BYTES SECONDS" (the bodies' bytes).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gen_record.h"

struct http_pages {
	size_t count;  /* pages */
	char **resp;   /* each page's whole response: headers and body */
	size_t *len;
	const char *notfound;
};

struct http_pages_conn {
	const struct http_pages *pages;
	int fd;
};

static void http_pages_die(const char *what)
{
	perror(what);
	exit(1);
}

/* Renders the pages: records in order, per_page a page. */
static void http_pages_render(struct http_pages *p, uint64_t records, uint64_t per_page)
{
	struct gen_record_state g;
	gen_record_init(&g, 0);
	p->count = (size_t)((records + per_page - 1) / per_page);
	if (p->count == 0)
		p->count = 1; /* one page without records */
	p->resp = calloc(p->count, sizeof *p->resp);
	p->len = calloc(p->count, sizeof *p->len);
	if (!p->resp || !p->len)
		http_pages_die("calloc");
	uint64_t i = 0;
	for (size_t k = 0; k < p->count; k++) {
		char *body;
		size_t body_len;
		FILE *f = open_memstream(&body, &body_len);
		if (!f)
			http_pages_die("open_memstream");
		fputs("{\"data\":{\"items\":[", f);
		for (uint64_t n = 0; n < per_page && i < records; n++, i++) {
			struct gen_record r;
			gen_record_make(&g, i, &r);
			if (n > 0)
				fputc(',', f);
			gen_record_write_json(f, &r);
		}
		if (k + 1 < p->count)
			fprintf(f, "]},\"links\":{\"next\":\"pages?page=%zu\"}}", k + 2);
		else
			fputs("]},\"links\":{\"next\":null}}", f);
		if (fclose(f) != 0)
			http_pages_die("open_memstream");
		char head[160];
		int h = snprintf(head, sizeof head,
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", body_len);
		p->resp[k] = malloc((size_t)h + body_len);
		if (!p->resp[k])
			http_pages_die("malloc");
		memcpy(p->resp[k], head, (size_t)h);
		memcpy(p->resp[k] + h, body, body_len);
		p->len[k] = (size_t)h + body_len;
		free(body);
	}
	p->notfound = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n";
}

static int http_pages_send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Answers one request (its head in req, NUL-ended); -1 when the connection is done. */
static int http_pages_answer(const struct http_pages *p, int fd, const char *req)
{
	size_t k = 0;
	const char *q = NULL;
	if (strncmp(req, "GET /pages?", 11) == 0)
		q = strstr(req, "page=");
	if (q && q < strchr(req, '\n'))
		k = strtoull(q + 5, NULL, 10);
	int ok = k >= 1 && k <= p->count;
	const char *resp = ok ? p->resp[k - 1] : p->notfound;
	size_t len = ok ? p->len[k - 1] : strlen(p->notfound);
	if (http_pages_send_all(fd, resp, len) != 0)
		return -1;
	return strcasestr(req, "\nConnection: close") ? -1 : 0;
}

/* One connection: requests one after the other (pipelined ones too). */
static void *http_pages_serve_conn(void *arg)
{
	struct http_pages_conn *c = arg;
	char buf[16384];
	size_t have = 0;
	for (;;) {
		buf[have] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (end) {
			end[2] = '\0';
			if (http_pages_answer(c->pages, c->fd, buf) != 0)
				break;
			size_t used = (size_t)(end + 4 - buf);
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == sizeof buf - 1)
			break; /* a request head too large */
		ssize_t n = recv(c->fd, buf + have, sizeof buf - 1 - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(c->fd);
	free(c);
	return NULL;
}

_Noreturn static void http_pages_serve(uint64_t records, uint64_t per_page, const char *port_file)
{
	struct http_pages pages;
	http_pages_render(&pages, records, per_page);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 64) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) != 0)
		http_pages_die("listen");
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0)
		http_pages_die(port_file);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			http_pages_die("accept");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct http_pages_conn *c = malloc(sizeof *c);
		pthread_t t;
		if (!c)
			http_pages_die("malloc");
		c->pages = &pages;
		c->fd = fd;
		if (pthread_create(&t, NULL, http_pages_serve_conn, c) != 0)
			http_pages_die("pthread_create");
		pthread_detach(t);
	}
}

/* The client: pages 1..count on one connection; prints pages, body bytes and seconds. */
static int http_pages_client(unsigned port, size_t count)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		http_pages_die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	size_t cap = 1 << 20, have = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		http_pages_die("malloc");
	unsigned long long bytes = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t k = 1; k <= count; k++) {
		char req[128];
		int n = snprintf(req, sizeof req, "GET /pages?page=%zu HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", k);
		if (http_pages_send_all(fd, req, (size_t)n) != 0)
			http_pages_die("send");
		char *end;
		for (;;) { /* the response's head */
			buf[have] = '\0';
			if ((end = strstr(buf, "\r\n\r\n")) != NULL)
				break;
			ssize_t r = recv(fd, buf + have, cap - have, 0);
			if (r <= 0)
				http_pages_die("recv (head)");
			have += (size_t)r;
		}
		const char *cl = strcasestr(buf, "\r\nContent-Length:");
		if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !cl || cl > end) {
			fprintf(stderr, "http_pages: page %zu: not a 200 with a Content-Length\n", k);
			return 1;
		}
		size_t body = strtoull(cl + 17, NULL, 10), head = (size_t)(end + 4 - buf);
		if (head + body > cap) { /* room for the whole page */
			cap = head + body;
			if (!(buf = realloc(buf, cap + 1)))
				http_pages_die("realloc");
		}
		while (have < head + body) {
			ssize_t r = recv(fd, buf + have, cap - have, 0);
			if (r <= 0)
				http_pages_die("recv (body)");
			have += (size_t)r;
		}
		char tail[64];
		if (k < count)
			snprintf(tail, sizeof tail, "\"next\":\"pages?page=%zu\"}}", k + 1);
		else
			snprintf(tail, sizeof tail, "\"next\":null}}");
		size_t tl = strlen(tail);
		if (body < tl || memcmp(buf + head + body - tl, tail, tl) != 0) {
			fprintf(stderr, "http_pages: page %zu does not end with %s\n", k, tail);
			return 1;
		}
		bytes += body;
		memmove(buf, buf + head + body, have - head - body);
		have -= head + body;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%zu %llu %.6f\n", count, bytes, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(fd);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--client") == 0)
		return http_pages_client((unsigned)strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
	uint64_t records = 1000000, per_page = 1000;
	int opt;
	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		if (opt == 'n')
			records = strtoull(optarg, NULL, 10);
		else if (opt == 's' && (per_page = strtoull(optarg, NULL, 10)) > 0)
			continue;
		else
			optind = argc + 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: http_pages [-n RECORDS] [-s PER_PAGE] PORT_FILE\n"
				"       http_pages --client PORT PAGES\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	http_pages_serve(records, per_page, argv[optind]);
}
