/* SPDX-License-Identifier: MIT */
/* The report: the machine, the performance targets met or missed, and JSON. */
#include <sys/utsname.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum { TARGET_NA = -1, TARGET_MISSED = 0, TARGET_MET = 1 };

struct target {
	const char	*name;
	int		 met;
	char		 figures[400];
};

#define NTARGETS	15

struct machine {
	long	nproc;
	char	cpu[96];
	char	kernel[200];
	long	mem_mib;
};

static void
machine_get(struct machine *m)
{
	struct utsname	 u;
	char		 line[256], *p;
	FILE		*f;
	long		 kb;

	memset(m, 0, sizeof(*m));
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->cpu, sizeof(m->cpu), "unknown");
	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "model name", 10) == 0 &&
			    (p = strchr(line, ':')) != NULL) {
				p += strspn(p, ": \t");
				p[strcspn(p, "\n")] = '\0';
				snprintf(m->cpu, sizeof(m->cpu), "%s", p);
				break;
			}
		}
		fclose(f);
	}
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname,
		    u.release, u.machine);
	if ((f = fopen("/proc/meminfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
				m->mem_mib = kb / 1024;
		}
		fclose(f);
	}
}

void
bench_print_machine(struct bench *b, FILE *f)
{
	struct machine	m;

	machine_get(&m);
	fprintf(f, "machine: %ld CPUs, %s, %s, %ld MiB RAM; load average "
	    "%.2f %.2f %.2f at start", m.nproc, m.cpu, m.kernel, m.mem_mib,
	    b->load_start[0], b->load_start[1], b->load_start[2]);
	if (b->load_end[0] > 0 || b->load_end[1] > 0)
		fprintf(f, ", %.2f %.2f %.2f at end", b->load_end[0],
		    b->load_end[1], b->load_end[2]);
	fprintf(f, "\n");
}

static const struct bench_row *
row(const struct bench *b, const char *key)
{
	const struct bench_row	*r = bench_row_find(b, key);

	return r != NULL && !isnan(r->median) ? r : NULL;
}

/* A ratio target: met when row's ratio <= max (>= min for rates). */
static void
target_ratio(const struct bench *b, struct target *t, const char *key,
    double limit, bool at_least)
{
	const struct bench_row	*r = row(b, key);
	char			 med[32];

	if (r == NULL || isnan(r->ratio)) {
		t->met = TARGET_NA;
		snprintf(t->figures, sizeof(t->figures), "not measured (%s)",
		    key);
		return;
	}
	t->met = at_least ? r->ratio >= limit : r->ratio <= limit;
	bench_format_value(med, sizeof(med), r->unit, r->median);
	snprintf(t->figures, sizeof(t->figures), "%.2fx (%s %s; floor: %s)",
	    r->ratio, r->name, med, r->floor);
}

static void
target_share(const struct bench *b, struct target *t)
{
	const struct bench_row	*m1 = row(b, "data.mview.1K");
	const struct bench_row	*m2 = row(b, "data.mview.1G");
	const struct bench_row	*p1 = row(b, "data.pipe.1K");
	const struct bench_row	*p2 = row(b, "data.pipe.1G");

	if (m1 == NULL || m2 == NULL) {
		t->met = TARGET_NA;
		snprintf(t->figures, sizeof(t->figures), "not measured");
		return;
	}
	t->met = m2->median / m1->median <= 2.0;
	snprintf(t->figures, sizeof(t->figures), "mview 1G/1K = %.2fx "
	    "(%.1f us vs %.1f us); pipe 1G/1K = %.0fx (%.1f ms vs %.1f us)",
	    m2->median / m1->median, m2->median / 1e3, m1->median / 1e3,
	    p1 && p2 ? p2->median / p1->median : NAN,
	    p2 ? p2->median / 1e6 : NAN, p1 ? p1->median / 1e3 : NAN);
}

static void
target_algebra(const struct bench *b, struct target *t)
{
	static const char *const keys[] = { "alg.slice", "alg.cast",
	    "alg.index", "alg.index2", "alg.transpose" };
	const struct bench_row	*proof = bench_row_find(b, "alg.proof");
	size_t			 len = 0;
	double			 worst = 0;

	t->met = proof != NULL && proof->median == 0 ? TARGET_MET :
	    TARGET_MISSED;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct bench_row *r = row(b, keys[i]);

		if (r == NULL) {
			t->met = TARGET_NA;
			continue;
		}
		if (r->median >= 100)
			t->met = TARGET_MISSED;
		worst = r->median > worst ? r->median : worst;
		len += (size_t)snprintf(t->figures + len, sizeof(t->figures) -
		    len, "%s %.0f ns; ", keys[i] + 4, r->median);
		if (len >= sizeof(t->figures))
			len = sizeof(t->figures) - 1;
	}
	snprintf(t->figures + len, sizeof(t->figures) - len, "%s",
	    proof != NULL ? proof->note : "no proof");
}

static void
target_rss(const struct bench *b, struct target *t)
{
	const struct bench_row	*r = row(b, "scale.rss.1M");

	if (r == NULL) {
		t->met = TARGET_NA;
		snprintf(t->figures, sizeof(t->figures), "not measured (1M "
		    "views run without --quick)");
		return;
	}
	t->met = r->median <= 512;
	snprintf(t->figures, sizeof(t->figures), "%.0f B/view (%s)",
	    r->median, r->note);
}

/* A stream row against another row: met when the ratio is at most (or
 * below) limit; the ring-direct row's ratio follows when measured. */
static void
target_stream(const struct bench *b, struct target *t, const char *key,
    const char *other, double limit, bool strict)
{
	const struct bench_row	*r = row(b, key), *o = row(b, other);
	const struct bench_row	*ring;
	char			 ringkey[64], med[32], omed[32], tail[64] = "";
	double			 v;

	if (r == NULL || o == NULL) {
		t->met = TARGET_NA;
		snprintf(t->figures, sizeof(t->figures), "not measured (%s, "
		    "%s)", key, other);
		return;
	}
	/* A floor target takes the row's own ratio (its floor measured
	 * right before it) when it has one; against a peer row, each is
	 * taken relative to its own floor (the cache-line floor moves with
	 * where the host puts the two vCPUs between rows). */
	if (strncmp(other, "stream.floor.", 13) == 0 && !isnan(r->ratio))
		v = r->ratio;
	else if (!isnan(r->ratio) && !isnan(o->ratio) && o->ratio > 0)
		v = r->ratio / o->ratio;
	else
		v = r->median / o->median;
	t->met = strict ? v < limit : v <= limit;
	if (strncmp(key, "stream.api.", 11) == 0) {
		snprintf(ringkey, sizeof(ringkey), "stream.ring.%s", key + 11);
		if ((ring = row(b, ringkey)) != NULL)
			snprintf(tail, sizeof(tail), "; ring direct %.2fx",
			    strncmp(other, "stream.floor.", 13) == 0 ?
			    ring->ratio : ring->ratio / o->ratio);
	}
	bench_format_value(med, sizeof(med), r->unit, r->median);
	bench_format_value(omed, sizeof(omed), o->unit, o->median);
	if (strncmp(other, "stream.floor.", 13) == 0 && !isnan(r->ratio))
		snprintf(t->figures, sizeof(t->figures), "%.2fx (%s %s; %s, "
		    "%s)%s", v, r->name, med, r->floor, r->note, tail);
	else
		snprintf(t->figures, sizeof(t->figures), "%.2fx of its ratio to "
		    "the floor (%s %s, %.2fx; %s %s, %.2fx)%s", v, r->name, med,
		    r->ratio, o->name, omed, o->ratio, tail);
}

static void
target_publish(const struct bench *b, struct target *t)
{
	const struct bench_row	*r = row(b, "stream.api.publish");
	const struct bench_row	*ring = row(b, "stream.ring.publish");

	if (r == NULL) {
		t->met = TARGET_NA;
		snprintf(t->figures, sizeof(t->figures), "not measured");
		return;
	}
	t->met = r->median < 50 && b->stream_proof_api;
	snprintf(t->figures, sizeof(t->figures), "API %.1f ns, %s; ring "
	    "direct %.1f ns, %s", r->median, b->stream_why_api,
	    ring ? ring->median : NAN, ring ? b->stream_why_ring : "-");
}

/* The stream section's: the API rows, ring-direct rows alongside. */
static void
targets_stream(const struct bench *b, struct target *t)
{
	t[0].name = "stream busy-poll hand-off <= 1.5x the cache-line floor";
	target_stream(b, &t[0], "stream.api.busy.64.1",
	    "stream.floor.cacheline", 1.5, false);
	t[1].name = "stream busy-poll hand-off below iceoryx's";
	target_stream(b, &t[1], "stream.api.busy.64.1", "stream.iox.busy.64",
	    1.0, true);
	t[2].name = "stream blocking hand-off <= 1.2x the futex floor";
	target_stream(b, &t[2], "stream.api.block.64.1", "stream.floor.futex",
	    1.2, false);
	t[3].name = "stream blocking hand-off below iceoryx's WaitSet";
	target_stream(b, &t[3], "stream.api.block.64.1", "stream.iox.ws.64",
	    1.0, true);
	t[4].name = "stream publish, nobody blocked, < 50 ns and 0 syscalls";
	target_publish(b, &t[4]);
	t[5].name = "stream 1080p frames/s, 4 consumers, >= 90% of plain "
	    "memory";
	target_ratio(b, &t[5], "stream.api.fps.4", 0.9, true);
}

static void
targets_eval(const struct bench *b, struct target *t)
{
	t[0].name = "open by name <= 1.5x its floor (rt + fd + mmap)";
	target_ratio(b, &t[0], "ctl.open", 1.5, false);
	t[1].name = "view lookup, segment mapped, <= 1.3x raw round trip";
	target_ratio(b, &t[1], "ctl.lookup", 1.3, false);
	t[2].name = "create 1 GiB <= 1.5x (memfd floor + round trip)";
	target_ratio(b, &t[2], "ctl.create_1g", 1.5, false);
	t[3].name = "sharing 1 GiB within 2x of 1 KiB (pipe linear)";
	target_share(b, &t[3]);
	t[4].name = "local view ops < 100 ns, zero system calls";
	target_algebra(b, &t[4]);
	t[5].name = "64 clients >= 80% of a raw echo server (stat)";
	target_ratio(b, &t[5], "tput.stat.64", 0.8, true);
	t[6].name = "daemon RSS <= 512 B per view at 1M views";
	target_rss(b, &t[6]);
	t[7].name = "lookup at 1M views <= 1.2x at 1k";
	target_ratio(b, &t[7], "scale.lookup.1M", 1.2, false);
	t[8].name = "Python lookup + asarray <= 3x C open by name";
	target_ratio(b, &t[8], "py.lookup", 3.0, false);
	targets_stream(b, t + 9);
}

static const char *
target_word(int met)
{
	return met == TARGET_MET ? "MET" : met == TARGET_MISSED ? "MISSED" :
	    "n/a";
}

void
bench_print_targets(struct bench *b, FILE *f)
{
	struct target	t[NTARGETS];

	memset(t, 0, sizeof(t));
	targets_eval(b, t);
	fprintf(f, "\n== targets\n");
	for (int i = 0; i < NTARGETS; i++)
		fprintf(f, "%-7s %s\n        %s\n", target_word(t[i].met),
		    t[i].name, t[i].figures);
}

/* ----------------------------------------------------------------- JSON */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static const char *
unit_name(enum bench_unit u)
{
	return u == UNIT_NS ? "ns" : u == UNIT_RATE ? "req/s" : "bytes";
}

static void
json_row(FILE *f, const struct bench_row *r)
{
	fprintf(f, "    {\"section\": ");
	json_str(f, r->section);
	fprintf(f, ", \"key\": ");
	json_str(f, r->key);
	fprintf(f, ", \"name\": ");
	json_str(f, r->name);
	fprintf(f, ", \"unit\": \"%s\", \"median\": ", unit_name(r->unit));
	json_num(f, r->median);
	fprintf(f, ", \"p99\": ");
	json_num(f, r->p99);
	fprintf(f, ", \"latency_p50_ns\": ");
	json_num(f, r->lat_p50);
	fprintf(f, ", \"latency_p99_ns\": ");
	json_num(f, r->lat_p99);
	fprintf(f, ", \"n\": %ld, \"floor\": ", r->n);
	json_str(f, r->floor);
	fprintf(f, ", \"ratio\": ");
	json_num(f, r->ratio);
	fprintf(f, ", \"size\": %llu, \"clients\": %d, \"note\": ",
	    (unsigned long long)r->size, r->clients);
	json_str(f, r->note);
	fprintf(f, "}");
}

static void
json_machine(FILE *f, const struct bench *b)
{
	struct machine	m;
	char		date[64];
	time_t		now = time(NULL);

	machine_get(&m);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "  \"machine\": {\"nproc\": %ld, \"cpu\": ", m.nproc);
	json_str(f, m.cpu);
	fprintf(f, ", \"kernel\": ");
	json_str(f, m.kernel);
	fprintf(f, ", \"mem_mib\": %ld, \"date\": \"%s\", "
	    "\"load_start\": [%.2f, %.2f, %.2f], "
	    "\"load_end\": [%.2f, %.2f, %.2f]},\n", m.mem_mib, date,
	    b->load_start[0], b->load_start[1], b->load_start[2],
	    b->load_end[0], b->load_end[1], b->load_end[2]);
	fprintf(f, "  \"options\": {\"quick\": %s, \"hugetlb\": %s, "
	    "\"populate\": %s, \"seconds\": %.1f, \"idle\": ", b->quick ?
	    "true" : "false", b->hugetlb ? "true" : "false", b->populate ?
	    "true" : "false", (double)(now_ns() - b->t_start) / 1e9);
	json_str(f, b->pm_qos);
	fprintf(f, ", \"pinned\": %s},\n", b->pinned ? "true" : "false");
}

static void
json_targets(FILE *f, const struct bench *b)
{
	struct target	t[NTARGETS];

	memset(t, 0, sizeof(t));
	targets_eval(b, t);
	fprintf(f, "  \"targets\": [\n");
	for (int i = 0; i < NTARGETS; i++) {
		fprintf(f, "    {\"name\": ");
		json_str(f, t[i].name);
		fprintf(f, ", \"result\": \"%s\", \"figures\": ",
		    target_word(t[i].met));
		json_str(f, t[i].figures);
		fprintf(f, "}%s\n", i + 1 < NTARGETS ? "," : "");
	}
	fprintf(f, "  ]\n");
}

/* The whole run as JSON to path ("-": stdout). */
int
bench_write_json(struct bench *b, const char *path)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");

	if (f == NULL) {
		fprintf(stderr, "mview-bench: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n  \"version\": 1,\n");
	json_machine(f, b);
	fprintf(f, "  \"rows\": [\n");
	for (size_t i = 0; i < b->nrows; i++) {
		json_row(f, &b->rows[i]);
		fprintf(f, "%s\n", i + 1 < b->nrows ? "," : "");
	}
	fprintf(f, "  ],\n");
	json_targets(f, b);
	fprintf(f, "}\n");
	if (f != stdout)
		fclose(f);
	else
		fflush(f);
	return 0;
}
