/* embed.c: a small program that profiles itself with libnebula.
 *
 * Two stages run on two threads of their own: `parse` turns text into
 * numbers and `score` does arithmetic on them (the heavier of the two). The
 * program tells libnebula how many records each stage handled and how long
 * it took, writes a snapshot and prints what libnebula measured. Every call
 * is checked: a failure prints the message libnebula left for it. Build it
 * with `cc embed.c -lnebula` and open the CPU profile with
 * `go tool pprof -top profiles/cpu_*.prof`.
 *
 *   embed [OUTPUT_DIR] [SECONDS] */
#include <nebula.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct embed_work {
	nebula_t *n;
	double seconds;
	const char *stage;
	unsigned long long sink;
};

static unsigned long long embed_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* The parse stage: numbers from text. */
__attribute__((noinline)) static unsigned long long embed_parse(unsigned seed)
{
	char text[32];
	unsigned long long sum = 0;
	for (int i = 0; i < 25; i++) {
		snprintf(text, sizeof text, "%u", seed * 2654435761u + (unsigned)i);
		sum += strtoull(text, NULL, 10);
	}
	return sum;
}

/* The score stage: about eight times the work of parse, and still several
 * times it in a ThreadSanitizer build, where parse's library calls
 * (snprintf, strtoull) cost ten times as much. */
__attribute__((noinline)) static unsigned long long embed_score(unsigned long long x)
{
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void *embed_run_stage(void *arg)
{
	struct embed_work *w = arg;
	nebula_register_thread(w->stage);
	nebula_set_stage(w->stage);
	unsigned long long end = embed_now_ns() + (unsigned long long)(w->seconds * 1e9);
	unsigned seed = 1;
	while (embed_now_ns() < end) {
		unsigned long long t0 = embed_now_ns();
		for (int r = 0; r < 100; r++)
			w->sink += strcmp(w->stage, "parse") ? embed_score(w->sink + (unsigned)r) : embed_parse(seed++);
		if (nebula_record_stage_metrics(w->n, w->stage, 100, 100, embed_now_ns() - t0) != 0) {
			fprintf(stderr, "embed: %s\n", nebula_errmsg(w->n));
			break;
		}
	}
	nebula_unregister_thread();
	return NULL;
}

int main(int argc, char **argv)
{
	/* size says which struct nebula_config this program was built with */
	struct nebula_config cfg = { .size = sizeof cfg };
	cfg.types = NEBULA_CPU | NEBULA_THREADS;
	cfg.output_dir = argc > 1 ? argv[1] : "./profiles";
	cfg.cpu_hz = 250;
	cfg.runtime_metrics = 1;
	printf("embed: libnebula %s (built with the header of %s)\n", nebula_version(), NEBULA_VERSION);
	/* nebula_new fails before there is a handle: its message goes to err */
	char err[256];
	nebula_t *n = nebula_new(&cfg, err, sizeof err);
	if (!n) {
		fprintf(stderr, "embed: %s\n", err);
		return 2;
	}
	if (nebula_start(n) != 0) {
		fprintf(stderr, "embed: %s\n", nebula_errmsg(n));
		nebula_free(n);
		return 1;
	}
	double seconds = argc > 2 ? atof(argv[2]) : 2.0;
	struct embed_work parse = { n, seconds, "parse", 0 }, score = { n, seconds, "score", 0 };
	pthread_t tp, ts;
	if (pthread_create(&tp, NULL, embed_run_stage, &parse) != 0 ||
	    pthread_create(&ts, NULL, embed_run_stage, &score) != 0) {
		fprintf(stderr, "embed: cannot start the stage threads\n");
		return 1;
	}
	pthread_join(tp, NULL);
	pthread_join(ts, NULL);
	char dir[256];
	int snap = nebula_snapshot(n, dir, sizeof dir);
	if (snap != 0)
		fprintf(stderr, "embed: %s\n", nebula_errmsg(n));
	/* size says which struct nebula_result this program can take */
	struct nebula_result r = { .size = sizeof r };
	if (nebula_stop(n, &r) != 0) {
		fprintf(stderr, "embed: %s\n", nebula_errmsg(n));
		nebula_free(n);
		return 1;
	}
	printf("embed: %.2fs, %.0f%% CPU, peak RSS %llu KiB, %u threads at most, slowest stage: %s\n", r.duration_s,
	       r.cpu_pct, (unsigned long long)r.rss_peak_bytes / 1024, r.threads_peak,
	       r.slowest_stage ? r.slowest_stage : "-");
	for (size_t i = 0; i < r.nstages; i++)
		printf("embed: stage %s: %llu records, %.0f records/s, %.1f us per call\n", r.stages[i]->name,
		       (unsigned long long)r.stages[i]->records_out, r.stages[i]->records_per_sec,
		       r.stages[i]->avg_latency_us);
	for (size_t i = 0; i < r.nbottlenecks; i++)
		printf("embed: finding: [%s] %s\n", r.bottlenecks[i]->severity, r.bottlenecks[i]->description);
	if (snap == 0)
		printf("embed: snapshot in %s\n", dir);
	nebula_free(n);
	return snap == 0 ? 0 : 1;
}
