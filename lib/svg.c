/* See LICENSE file for copyright and license details. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "svg.h"

#define W	1000.0	/* viewBox width of every chart */

/* A "nice" step (1, 2 or 5 times a power of ten) for about n ticks. */
static double
nicestep(double max, int n)
{
	double raw, p, f;

	if (max <= 0)
		return 1;
	raw = max / n;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	if (f <= 1)
		f = 1;
	else if (f <= 2)
		f = 2;
	else if (f <= 5)
		f = 5;
	else
		f = 10;
	return f * p < 1 ? 1 : f * p;
}

/* Tick label: 1.2k, 35M, ... so that the axis stays narrow. */
static void
shortnum(char *buf, size_t sz, double v)
{
	if (v >= 1e9)
		snprintf(buf, sz, "%gG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, sz, "%gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, sz, "%gk", v / 1e3);
	else
		snprintf(buf, sz, "%g", v);
}

void
svg_series(struct html_buf *b, size_t n, const char *const *labels,
    const double *values, const char *title)
{
	const double H = 300, L = 60, R = 15, T = 15, B = 40;
	double max = 0, step, top, pw, ph, x, y, v;
	char num[32];
	size_t i, every;

	for (i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	step = nicestep(max, 5);
	top = ceil(max / step) * step;
	if (top <= 0)
		top = step;
	pw = W - L - R;
	ph = H - T - B;
	html_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
	    "role=\"img\" aria-label=\"", W, H);
	html_esc(b, title);
	html_puts(b, "\" font-family=\"system-ui,sans-serif\" font-size=\"13\">\n");
	/* Grid and y axis. */
	for (v = 0; v <= top + step / 2; v += step) {
		y = T + ph - v / top * ph;
		shortnum(num, sizeof(num), v);
		html_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
		    "fill=\"#52606d\">%s</text>\n", L, y, W - R, y,
		    v == 0 ? "#9aa5b1" : "#e4e7eb", L - 6, y + 4, num);
	}
	if (n == 0) {
		html_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" "
		    "fill=\"#7b8794\">no data</text></svg>\n", W / 2, H / 2);
		return;
	}
	/* X labels: at most about 8, evenly spaced. */
	every = n / 8 + 1;
	for (i = 0; i < n; i += every) {
		x = L + (i + 0.5) * pw / n;
		html_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		    "fill=\"#52606d\">", x, H - B + 18);
		html_esc(b, labels[i]);
		html_puts(b, "</text>\n");
	}
	if (n <= 100) {
		double bw = pw / n * 0.8;

		for (i = 0; i < n; i++) {
			ph = H - T - B;
			y = values[i] / top * ph;
			x = L + i * pw / n + (pw / n - bw) / 2;
			html_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"#2f80c8\"><title>", x,
			    T + ph - y, bw, y);
			html_esc(b, labels[i]);
			html_printf(b, ": %.0f</title></rect>\n", values[i]);
		}
	} else {
		html_printf(b, "<path fill=\"#2f80c8\" fill-opacity=\".25\" "
		    "stroke=\"#2f80c8\" stroke-width=\"2\" d=\"M%.1f %.1f", L,
		    T + ph);
		for (i = 0; i < n; i++)
			html_printf(b, " L%.1f %.1f", L + (i + 0.5) * pw / n,
			    T + ph - values[i] / top * ph);
		html_printf(b, " L%.1f %.1f Z\"/>\n", L + (n - 0.5) * pw / n,
		    T + ph);
	}
	html_puts(b, "</svg>\n");
}

/* Append at most max characters (not bytes) of s, with an ellipsis. */
static void
shorten(struct html_buf *b, const char *s, size_t max)
{
	struct html_buf t = { 0 };
	size_t i, chars = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars > max)
			break;
	if (s[i] == '\0') {
		html_esc(b, s);
		return;
	}
	/* Keep the end: keys differ in their last component. */
	html_add(&t, "\xe2\x80\xa6", 3);
	i = strlen(s);
	chars = 0;
	while (i > 0 && chars < max - 1) {
		i--;
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	}
	html_puts(&t, s + i);
	html_esc(b, t.p);
	html_free(&t);
}

void
svg_hbar(struct html_buf *b, size_t n, const char *const *labels,
    const double *values, const char *const *hrefs, const char *title)
{
	const double L = 330, R = 90, T = 8, RH = 26;
	double max = 0, H, pw, w, y;
	size_t i;

	for (i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	H = T * 2 + RH * (n ? n : 1);
	pw = W - L - R;
	html_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
	    "role=\"img\" aria-label=\"", W, H);
	html_esc(b, title);
	html_puts(b, "\" font-family=\"system-ui,sans-serif\" font-size=\"14\">\n");
	if (n == 0)
		html_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" "
		    "fill=\"#7b8794\">no data</text>\n", W / 2, H / 2 + 4);
	for (i = 0; i < n; i++) {
		y = T + i * RH;
		w = max > 0 ? values[i] / max * pw : 0;
		if (hrefs != NULL && hrefs[i] != NULL) {
			html_puts(b, "<a href=\"");
			html_esc(b, hrefs[i]);
			html_puts(b, "\">");
		}
		html_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
		    "fill=\"#0b5cad\"><title>", L - 8, y + RH / 2 + 5);
		html_esc(b, labels[i]);
		html_puts(b, "</title>");
		shorten(b, labels[i], 38);
		html_puts(b, "</text>");
		if (hrefs != NULL && hrefs[i] != NULL)
			html_puts(b, "</a>");
		html_printf(b, "\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" rx=\"3\" fill=\"#2f80c8\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" fill=\"#1f2933\">%.0f</text>\n",
		    L, y + 4, w < 1 ? 1 : w, RH - 8, L + w + 6, y + RH / 2 + 5,
		    values[i]);
	}
	html_puts(b, "</svg>\n");
}
