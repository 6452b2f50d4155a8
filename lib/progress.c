/* See LICENSE file for copyright and license details. */
#include <stdio.h>
#include <time.h>

#include "progress.h"

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
progress_init(struct progress *p, const char *unit, double every)
{
	p->unit = unit;
	p->n = 0;
	p->calls = 0;
	p->every = every;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

int
progress_add(struct progress *p, unsigned long long n, char *buf, size_t size)
{
	struct timespec now;
	double t;

	p->n += n;
	/* A clock read per call would cost more than parsing a short line. */
	if (++p->calls < 64)
		return 0;
	p->calls = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed(&p->last, &now) < p->every)
		return 0;
	p->last = now;
	t = elapsed(&p->start, &now);
	snprintf(buf, size, "%llu %s, %.0f %s/s", p->n, p->unit,
	    t > 0 ? (double)p->n / t : 0.0, p->unit);
	return 1;
}

void
progress_done(const struct progress *p, char *buf, size_t size)
{
	struct timespec now;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = elapsed(&p->start, &now);
	snprintf(buf, size, "%llu %s in %.1f s (%.0f %s/s)", p->n, p->unit, t,
	    t > 0 ? (double)p->n / t : 0.0, p->unit);
}

double
progress_elapsed(const struct progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return elapsed(&p->start, &now);
}

double
progress_rate(const struct progress *p)
{
	double t = progress_elapsed(p);

	return t > 0 ? (double)p->n / t : 0.0;
}
