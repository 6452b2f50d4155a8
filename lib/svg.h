/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_SVG_H
#define S3LOGS_SVG_H

#include <stddef.h>

#include "html.h"

/*
 * Charts as inline SVG, drawn by the program: no JavaScript, no fonts or
 * style sheets to fetch, scalable (viewBox) so they fit a phone and print
 * sharply.  Labels and link targets are escaped here; callers pass raw
 * strings.  Nothing here can fail (buffers grow with x*alloc).
 */

/*
 * A time series of n points: vertical bars when n is small enough to read
 * them one by one, a filled line otherwise.  labels[i] names point i (a
 * date; only a few are printed on the axis, each bar has a <title> with
 * its label and value).  title is the chart's accessible name.
 */
void	svg_series(struct html_buf *, size_t n, const char *const *labels,
	    const double *values, const char *title);

/*
 * A horizontal bar chart of the top n items: labels[i] (shortened to fit,
 * the full text in a tooltip), values[i], and hrefs[i] a relative link or
 * NULL (hrefs itself may be NULL).
 */
void	svg_hbar(struct html_buf *, size_t n, const char *const *labels,
	    const double *values, const char *const *hrefs, const char *title);

#endif
