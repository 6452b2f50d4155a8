/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_PROGRESS_H
#define S3LOGS_PROGRESS_H

#include <stddef.h>
#include <time.h>

/*
 * Rate-limited progress lines ("1200000 lines, 512000 lines/s") for -v
 * output.  The module only formats: the program decides where the line
 * goes (stderr), so lib stays silent.  Checking the clock is amortised:
 * progress_due() looks at it once every 64 calls at most, so it can sit on
 * a per-line hot path.
 */
struct progress {
	const char	*unit;		/* "lines", "rows", "objects" */
	unsigned long long n;		/* count so far */
	struct timespec	 start;
	struct timespec	 last;		/* when the last line was due */
	unsigned	 calls;
	double		 every;		/* seconds between lines */
};

/* Start counting UNIT (a string that must outlive p), a line every EVERY s. */
void	progress_init(struct progress *p, const char *unit, double every);

/*
 * Add n to the count.  Returns 1 when a progress line is due, after filling
 * buf (always NUL-terminated, truncated to size) with it; 0 otherwise.
 */
int	progress_add(struct progress *p, unsigned long long n, char *buf,
	    size_t size);

/* Seconds since progress_init(p). */
double	progress_elapsed(const struct progress *p);

/*
 * p->n per second since progress_init(p), 0 at the start; for a program
 * that prints its own line (pgload's per batch).
 */
double	progress_rate(const struct progress *p);

/* The final line: "N UNIT in S s (R UNIT/s)", into buf. */
void	progress_done(const struct progress *p, char *buf, size_t size);

#endif
