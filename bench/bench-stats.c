/* SPDX-License-Identifier: MIT */
/* Samples and the table: quantiles, rows, ratios to floors, text output. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void
samples_init(struct samples *s)
{
	s->v = NULL;
	s->n = s->cap = 0;
}

void
samples_free(struct samples *s)
{
	free(s->v);
	samples_init(s);
}

void
samples_add(struct samples *s, double v)
{
	double	*nv;
	size_t	 ncap;

	if (s->n == s->cap) {
		ncap = s->cap ? s->cap * 2 : 256;
		if ((nv = realloc(s->v, ncap * sizeof(*nv))) == NULL)
			return;		/* a lost sample, not a lost run */
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = v;
}

static int
samples_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank quantile: with few samples p99 is simply the maximum. */
double
samples_quantile(struct samples *s, double q)
{
	size_t	i;

	if (s->n == 0)
		return NAN;
	qsort(s->v, s->n, sizeof(*s->v), samples_cmp);
	i = (size_t)ceil(q * (double)s->n);
	if (i > 0)
		i--;
	if (i >= s->n)
		i = s->n - 1;
	if (q == 0.5 && s->n % 2 == 0)
		return (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
	return s->v[i];
}

struct bench_row *
bench_row_add(struct bench *b, const char *key, const char *name,
    enum bench_unit unit, double median, double p99, long n)
{
	struct bench_row	*r, *nr;
	size_t			 ncap;

	if (b->nrows == b->caprows) {
		ncap = b->caprows ? b->caprows * 2 : 64;
		if ((nr = realloc(b->rows, ncap * sizeof(*nr))) == NULL) {
			fprintf(stderr, "mview-bench: out of memory\n");
			exit(1);
		}
		b->rows = nr;
		b->caprows = ncap;
	}
	r = &b->rows[b->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->section, sizeof(r->section), "%s",
	    b->cur_section ? b->cur_section : "");
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->unit = unit;
	r->median = median;
	r->p99 = p99;
	r->lat_p50 = r->lat_p99 = NAN;
	r->n = n;
	r->ratio = NAN;
	return r;
}

struct bench_row *
bench_row_samples(struct bench *b, const char *key, const char *name,
    struct samples *s)
{
	double	med = samples_quantile(s, 0.5);
	double	p99 = samples_quantile(s, 0.99);

	return bench_row_add(b, key, name, UNIT_NS, med, p99, (long)s->n);
}

const struct bench_row *
bench_row_find(const struct bench *b, const char *key)
{
	for (size_t i = b->nrows; i > 0; i--) {
		if (strcmp(b->rows[i - 1].key, key) == 0)
			return &b->rows[i - 1];
	}
	return NULL;
}

double
bench_median(const struct bench *b, const char *key)
{
	const struct bench_row	*r = bench_row_find(b, key);

	return r != NULL ? r->median : NAN;
}

/* Latency: ours / floor (1.0 is the floor). Rates: ours / floor's rate. */
void
bench_row_floor(struct bench *b, struct bench_row *r, const char *floor_key)
{
	double	f = bench_median(b, floor_key);

	snprintf(r->floor, sizeof(r->floor), "%s", floor_key);
	if (isnan(f) || f <= 0 || isnan(r->median))
		return;
	r->ratio = r->median / f;
}

void
bench_row_floor_value(struct bench_row *r, const char *label, double value)
{
	snprintf(r->floor, sizeof(r->floor), "%s", label);
	if (!isnan(value) && value > 0 && !isnan(r->median))
		r->ratio = r->median / value;
}

void
bench_row_note(struct bench_row *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

void
bench_format_value(char *buf, size_t len, enum bench_unit unit, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	switch (unit) {
	case UNIT_NS:
		if (v < 1e3)
			snprintf(buf, len, "%.1f ns", v);
		else if (v < 1e6)
			snprintf(buf, len, "%.2f us", v / 1e3);
		else if (v < 1e9)
			snprintf(buf, len, "%.2f ms", v / 1e6);
		else
			snprintf(buf, len, "%.3f s", v / 1e9);
		break;
	case UNIT_RATE:
		if (v < 1e3)
			snprintf(buf, len, "%.1f/s", v);
		else if (v < 1e6)
			snprintf(buf, len, "%.1fk/s", v / 1e3);
		else
			snprintf(buf, len, "%.2fM/s", v / 1e6);
		break;
	case UNIT_BYTES:
		snprintf(buf, len, "%.0f B", v);
		break;
	}
}

void
bench_progress(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "mview-bench: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static FILE *
bench_out(const struct bench *b)
{
	return b->json_stdout ? stderr : stdout;
}

void
bench_section(struct bench *b, const char *section, const char *title)
{
	FILE	*f = bench_out(b);

	b->cur_section = section;
	if (!b->header_done) {
		fprintf(f, "%-46s %11s %11s %8s  %s\n", "name", "median",
		    "p99", "ratio", "floor (ratio = median / floor)");
		b->header_done = true;
	}
	fprintf(f, "\n== %s\n", title);
	fflush(f);
}

void
bench_skip(struct bench *b, const char *what, const char *why)
{
	FILE	*f = bench_out(b);

	fprintf(f, "%-46s skipped: %s\n", what, why);
	fflush(f);
}

/* Throughput rows show the rate as the median and a request's p99 latency. */
void
bench_row_print(struct bench *b, struct bench_row *r)
{
	FILE	*f = bench_out(b);
	char	 med[32], p99[32], ratio[16];

	bench_format_value(med, sizeof(med), r->unit, r->median);
	if (r->unit == UNIT_RATE) {
		char	lat[24];

		bench_format_value(lat, sizeof(lat), UNIT_NS, r->lat_p99);
		snprintf(p99, sizeof(p99), "%s", lat);
	} else
		bench_format_value(p99, sizeof(p99), r->unit, r->p99);
	if (isnan(r->ratio))
		snprintf(ratio, sizeof(ratio), "-");
	else
		snprintf(ratio, sizeof(ratio), "%.2fx", r->ratio);
	fprintf(f, "%-46s %11s %11s %8s  %s%s%s\n", r->name, med, p99, ratio,
	    r->floor[0] ? r->floor : "-", r->note[0] ? "  # " : "", r->note);
	fflush(f);
}
