/* nebula.h: libnebula, nebtop's profilers for programs of your own.
 *
 * A small API over one opaque handle: configure which profiles to take,
 * start, tell it how your stages are doing, take snapshots (the same files
 * nebtop writes: cpu_TS.prof, memory_TS.prof, ... for go tool pprof, plus a
 * report and a metrics JSON), stop, free. See libnebula(3).
 *
 * Growing without breaking callers: the structs a caller passes in or has
 * filled start with `size`, which the caller sets to sizeof the struct as its
 * header declares it; the library reads and writes only the fields that fit
 * in that size (defaults for the rest). A failed call on a handle leaves a
 * message for nebula_errmsg. */
#ifndef NEBULA_H
#define NEBULA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header. The library a program runs with may be newer
 * than the header it was compiled with: nebula_version() says which. */
#define NEBULA_VERSION_MAJOR 0
#define NEBULA_VERSION_MINOR 1
#define NEBULA_VERSION_PATCH 0
#define NEBULA_VERSION "0.1.0"
/* major << 16 | minor << 8 | patch: 0.1.0 is 0x000100 */
#define NEBULA_VERSION_NUM ((NEBULA_VERSION_MAJOR << 16) | (NEBULA_VERSION_MINOR << 8) | NEBULA_VERSION_PATCH)

/* Profile types (combine with |). */
#define NEBULA_CPU 0x01u
#define NEBULA_MEMORY 0x02u /* counts only in programs that interpose malloc (the nebtop program) */
#define NEBULA_BLOCK 0x04u
#define NEBULA_MUTEX 0x08u
#define NEBULA_THREADS 0x10u
#define NEBULA_TRACE 0x20u
#define NEBULA_ALL 0x3Fu

/* Set size to sizeof(struct nebula_config); size and types are required,
 * the fields after types are read only when they fit in size. New fields
 * are added at the end, with 0 meaning their default. */
struct nebula_config {
	size_t size;                   /* sizeof(struct nebula_config); 0 is an error */
	unsigned types;                /* NEBULA_* bits; 0 = NEBULA_CPU */
	const char *output_dir;        /* where snapshots go; NULL = "./profiles" */
	uint64_t cpu_duration_ns;      /* how much recent time a CPU profile covers; 0 = 30 s */
	int runtime_metrics;           /* sample RSS and threads every sampling interval (peaks) */
	uint64_t sampling_interval_ns; /* 0 = 100 ms */
	unsigned cpu_hz;               /* CPU samples per second per thread; 0 = 100 */
};

/* The library hands these out by pointer: a later version may add fields at
 * the end without moving the fields here. */
struct nebula_stage_result {
	const char *name;
	uint64_t records_in, records_out, calls;
	double busy_seconds;     /* the durations given to nebula_record_stage_metrics */
	double records_per_sec;  /* records_out over the run */
	double avg_latency_us;   /* per call */
};

/* A finding of nebtop's analyzer that applies to an embedding program: a
 * CPU hotspot (with its stage) or allocator pressure. */
struct nebula_bottleneck {
	const char *type;        /* "cpu_hotspot", "allocator_pressure" */
	const char *severity;    /* "critical", "high", "medium", "low" */
	const char *component;   /* the function, or "allocator" */
	const char *stage;       /* the stage its samples fall in, or "" */
	const char *description; /* "Function 'f' in stage s consuming 52.0% of CPU time" */
	double impact_pct;
	const char *impact_of;   /* what impact_pct is a percentage of */
};

/* Set size to sizeof(struct nebula_result) before nebula_stop: the library
 * fills the fields that fit in size (size and duration_s at least). */
struct nebula_result {
	size_t size; /* sizeof(struct nebula_result); 0 is an error */
	double duration_s;
	uint64_t records_in, records_out; /* of the first and the last stage recorded */
	double records_per_sec;           /* records_out / duration_s */
	double cpu_pct;                   /* of one core, over the run */
	uint64_t rss_bytes, rss_peak_bytes;
	uint32_t threads, threads_peak; /* threads_peak: with runtime_metrics only, else 0 */
	size_t nstages;
	const struct nebula_stage_result *const *stages; /* nstages pointers; valid until nebula_free */
	const char *slowest_stage;                /* the stage with the lowest records_per_sec, or NULL */
	size_t nbottlenecks; /* most severe first; valid until the next call or nebula_free */
	const struct nebula_bottleneck *const *bottlenecks; /* nbottlenecks pointers */
};

typedef struct nebula nebula_t;

/* The library's version ("0.1.0"), which may be newer than NEBULA_VERSION. */
const char *nebula_version(void);

/* A new profiler (cfg NULL: every default). There is no handle yet to keep
 * a message in: on failure it returns NULL and writes the message to err
 * (errlen bytes, may be NULL). */
nebula_t *nebula_new(const struct nebula_config *cfg, char *err, size_t errlen);
/* The functions below return 0, or -1 with a message for nebula_errmsg. */
/* Starts profiling: the calling thread and every thread registered later. */
int nebula_start(nebula_t *n);
/* Stops profiling and fills *out (may be NULL; out->size must be set). */
int nebula_stop(nebula_t *n, struct nebula_result *out);
/* Adds to a stage's figures: records in and out and the time it took. Any
 * thread may call it; it sets the message when it fails and leaves it as it
 * is when it succeeds. */
int nebula_record_stage_metrics(nebula_t *n, const char *stage, uint64_t records_in, uint64_t records_out,
				uint64_t duration_ns);
/* Writes a snapshot; the folder's path is copied to dir (may be NULL). */
int nebula_snapshot(nebula_t *n, char *dir, size_t dirlen);
/* What the last failed call on n failed on and why, "" when the last call
 * succeeded; valid until the next call on n. Never NULL. */
const char *nebula_errmsg(nebula_t *n);
void nebula_free(nebula_t *n);

/* The CPU profiler samples registered threads only: register the threads
 * you start (the thread calling nebula_start is registered for you). */
void nebula_register_thread(const char *name);
void nebula_unregister_thread(void);
/* The stage the calling thread works for, as CPU samples are labelled (the
 * string must stay valid while profiling; NULL: none). */
void nebula_set_stage(const char *stage);

#ifdef __cplusplus
}
#endif

#endif
