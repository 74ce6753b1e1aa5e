/* snapreq.h: snapshots asked for from another thread (POST /api/v1/snapshot)
 * and written by the thread that writes every snapshot (the main loop or the
 * front end), with the answer handed back: the asking thread waits for its
 * request to be served, then reads what was written or why not. */
#ifndef NEB_SNAPREQ_H
#define NEB_SNAPREQ_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SNAPREQ_TEXT 4096
#define SNAPREQ_KEEP 4

struct snapreq {
	pthread_mutex_t lock;
	pthread_cond_t served_cond;
	_Atomic int pending;	 /* asked and not yet taken */
	uint64_t asked, served;	 /* request numbers, under lock */
	int closed;		 /* no more requests are served (the run is over) */
	int ok;			 /* the last snapshot's outcome */
	char text[SNAPREQ_TEXT]; /* its folder, stamp and files, one per line; or why it failed */
	/* the answers of the last SNAPREQ_KEEP snapshots served: answer k is for
	 * the requests numbered up to its upto (and after the one before) */
	struct snapreq_answer {
		uint64_t upto;
		int ok;
		char text[SNAPREQ_TEXT];
	} answers[SNAPREQ_KEEP];
	unsigned nanswers; /* served so far (answers[nanswers % SNAPREQ_KEEP] is next) */
};

void snapreq_init(struct snapreq *r);
void snapreq_destroy(struct snapreq *r);
/* Asks for a snapshot: its number, or 0 when no more are served. */
uint64_t snapreq_ask(struct snapreq *r);
/* The writer: 1 when a request is waiting (it is then taken). */
int snapreq_take(struct snapreq *r);
/* The writer: what the snapshot just written gave (every snapshot may set
 * it; the requests taken so far are answered by snapreq_done). */
void snapreq_set_result(struct snapreq *r, int ok, const char *text);
/* The writer: the requests taken are served. */
void snapreq_done(struct snapreq *r);
/* The writer stops serving: waiting and later requests get no snapshot. */
void snapreq_close(struct snapreq *r);
/* Waits up to timeout_ns for request n: 1 served (ok and text copied), 0
 * not served (timed out, or closed). */
int snapreq_wait(struct snapreq *r, uint64_t n, uint64_t timeout_ns, int *ok, char *text, size_t ntext);

#endif
