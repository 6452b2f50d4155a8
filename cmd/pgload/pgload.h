/* See LICENSE file for copyright and license details. */
/*
 * pgload's private definitions, shared by its files:
 *
 *   main.c     options, setting up and tearing down, errors naming lines
 *   check.c    whether an input line is a well-formed row
 *   table.c    -t: a metadata table, upserted through a staging table
 *   reader.c   the reader: logs lines into batches, handed to the loader
 *   batch.c    a logs batch: its memory and its table of repeats
 *   dict.c     the dictionary caches and the side connection that fills them
 *   copybin.c  COPY data: the binary format, the narrow logs row
 *   sums.c     the summer: a batch's sums, sketches and queue rows
 *   txn.c      the loader: a batch's transaction (fast, probe, slow)
 *   fold.c     the side connections and the folder thread
 *
 * The threads of a logs load, and what each owns:
 *
 *   reader      the main thread: reads and checks lines, fills a batch,
 *               looks its dictionary values up (dict.c's state is its);
 *   loader      loads one batch while the reader fills the other, on the
 *               main connection (pl.conn and the loader's fields below);
 *   summer      adds up the batch being loaded (sums.c's state), from
 *               kicksummer() to waitsummer(), on its own connection;
 *   folder      runs pgload_fold() after each commit, on its own connection;
 *   dict opener opens the reader's dictionary connection, then ends.
 *
 * With -t, the main thread alone reads and loads.
 */
#ifndef PGLOAD_H
#define PGLOAD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "hmap.h"
#include "logline.h"
#include "pg.h"
#include "progress.h"
#include "util.h"

#define STR_(x)		#x
#define STR(x)		STR_(x)		/* a number macro as a string */

#define OBUFSIZE	(1024 * 1024)	/* COPY data sent in chunks of this */
#define MAXLINE		(1024 * 1024)	/* the default -L */

/* A logs row is logparse's output: line_hash, the 27 fields, extra. */
#define NLOGCOLS	LOGLINE_NCOLUMNS
#define C_HASH		LOGLINE_COL_HASH
#define C_EXTRA		LOGLINE_COL_EXTRA
#define C(field)	LOGLINE_COL(field)	/* C(LL_KEY): key's column */

/* The dictionaries, numbered as pgload_miss and pgload_dict() take them. */
enum { D_BUCKET = 1, D_OBJECT, D_CLIENT, D_REQUESTER, D_OPERATION, D_UA,
    D_ENDPOINT, D_URI, ND };

#define NOID		INT64_MIN	/* NULL in logs */
#define NOID32		INT32_MIN	/* NOID in batch.rowid[] */

/* A slot of a batch's table of repeats (seenrow()). */
struct seen {
	uint64_t	 tag;
	uint32_t	 row;		/* 0: empty; else row + 1 */
};

/*
 * What the summer needs of a row, taken by the reader while the line is in
 * its cache: the summer then reads 24 bytes a row instead of the line,
 * which it would have to fetch from memory.
 */
struct rowfact {
	int64_t		 bytes;		/* bytes_sent, 0 for NULL */
	int64_t		 size;		/* object_size, -1 for NULL */
	int16_t		 status;	/* http_status, -1 for NULL */
	unsigned char	 dl;		/* a download: a GET, 200 or 206 */
	unsigned char	 err;		/* counted in daily_error */
};

/*
 * A logs batch, kept whole in memory: the reader fills one while the
 * loader loads the other (reader.c hands them over under its lock).  The
 * reader writes a batch until handoff(); the loader then owns it (probe()
 * marks more rows repeats) and the summer reads it, until the loader is
 * done.
 */
struct batch {
	char		*buf;		/* the lines, each with its newline */
	size_t		 len, size;
	size_t		*off;		/* row -> offset in buf; [n] = len */
	unsigned char	*dup;		/* row is a repeat, or stored already */
	uint32_t	*fo;		/* row -> its fields' offsets in it */
	unsigned long long *lines;	/* row -> input line number */
	size_t		 n;
	struct seen	*seen;		/* its rows by hash and time */
	size_t		 nseen, seencap;
	struct hmap	*months;	/* "YYYY-MM" of its rows */
	int32_t		*rowid;		/* ND per row: its day, then its ids */
	struct rowfact	*fact;		/* per new row */
	char		 why[PG_ERRLEN]; /* not "": ids unknown, why */
};

/*
 * The state the threads share.  Each group says who writes it; nothing
 * here is under a lock: a field is written by one thread only, and the
 * others read it only at points the hand-offs order (a batch handed to
 * the loader, the summer kicked and waited for, threads joined).
 */
struct pgload {
	/* Options and setup: main writes them before any thread starts. */
	int		 vflag;		/* -v */
	long long	 batchrows;	/* -b */
	long long	 maxline;	/* -L */
	const char	*conninfo;	/* -d, for the side connections too */
	FILE		*kfp;		/* -k: bad lines go here */
	const char	*kfile;
	int		 logsmode;	/* loading logs, not -t */
	size_t		 ncols;		/* fields per input line */
	char		**colnames;	/* for messages */

	/*
	 * The loader's.  The main thread uses them before the loader starts
	 * and while it is idle (setaside()) or ended; with -t, always.  The
	 * summer reads ld and nbatch between kicksummer() and waitsummer().
	 */
	PGconn		*conn;		/* the main connection */
	char		*obuf;		/* COPY data not yet sent */
	size_t		 olen;
	struct batch	*ld;		/* logs: the batch being loaded */
	unsigned long long *linemap;	/* its rows' input line numbers */
	unsigned long long nbatch;	/* its rows */
	unsigned long long nloaded;	/* new rows stored */
	unsigned long long nslow;	/* batches loaded the slow way */
	unsigned long long nprobed;	/* batches probed for stored lines */
	struct progress	 prog;		/* rows loaded (prog.n) and the clock */

	/* The reader's. */
	unsigned long long nread;	/* rows read and checked */
	unsigned long long nbad;	/* lines set aside */
};
extern struct pgload pl;

/* main.c */
void	 dbdie(const char *) __attribute__((noreturn));
void	 sql(const char *);
void	 copyfail(const char *, unsigned long, const char *)
	    __attribute__((noreturn));
void	 rowsline(unsigned long long);

/* check.c */
const char *checkline(const char *, size_t, size_t *, const char **,
	    size_t *);
size_t	 fields(const char *, size_t, const char **, size_t *, size_t);
const char *nfields(size_t);
int	 copyesc(const char *, size_t, size_t *);
size_t	 unescape(const char *, size_t, const char **);
void	 check_free(void);

/* table.c */
void	 setuptable(const char *);
const char *checktable(const char *, size_t, size_t *);
void	 addline(const char *, size_t, unsigned long long);
void	 endtable(void);
void	 freetable(void);

/* reader.c */
void	 setuplogs(void);
void	 readinput(void);
void	 waitloader(void);
void	 endlogs(void);
void	 freelogs(void);

/* batch.c */
void	 batch_alloc(struct batch *, long long);
void	 batch_clear(struct batch *);
void	 batch_free(struct batch *);
uint64_t seentag(const char *);
int	 seenrow(struct batch *, size_t, const char *, const char *, size_t);

/* dict.c */
void	 dict_setup(void);
void	 dict_open(void);
void	 dict_close(void);
void	 dict_free(void);
void	 scanstart(void);
void	 scanrow(struct batch *, size_t);
void	 scanbatch(struct batch *);

/*
 * COPY data being made: a logs row the loader encodes, or a queue table's
 * rows (with their COPY statement).
 */
struct cbuf {
	const char	*sql;		/* COPY ... FROM STDIN, or NULL */
	char		*b;
	size_t		 len, size;
	int		 bin;		/* binary COPY: sql says so */
};
int	 emit(const void *, size_t, char *);
int	 copydone(char *);
int	 copyto(PGconn *, const char *, const char *, size_t, char *);
int	 binbegin(const char *, char *);
int	 sendrow(size_t, char *);
int	 sendprobe(size_t, char *);
void	 copybin_free(void);

/* sums.c */
void	 summer_start(void);
void	 kicksummer(void);
void	 waitsummer(void);
int	 summerfail(char *);
void	 setqbatch(const char *);
void	 summer_stop(void);
void	 sums_reset(void);
void	 sums_free(void);

/* txn.c */
void	 endlogbatch(void);
void	 txn_free(void);

/* fold.c */
PGconn	*sideconn(const char *);
void	 startfolder(void);
void	 kickfold(void);
void	 stopfolder(void);

/*
 * Small helpers of the per-row paths, inline here because they run for
 * every field of every row and the files that use them are apart.
 */

/* COPY text's NULL. */
static inline int
isnull(const char *f, size_t n)
{
	return n == 2 && f[0] == '\\' && f[1] == 'N';
}

/* The n decimal digits at s into *v; 0 if one is not a digit. */
static inline int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* The parts of a time field that checktime() accepted. */
struct timeparts {
	int	y, mo, d, h, mi, s;
};

static inline void
timeparts(const char *f, struct timeparts *t)
{
	digits(f, 4, &t->y);
	digits(f + 5, 2, &t->mo);
	digits(f + 8, 2, &t->d);
	digits(f + 11, 2, &t->h);
	digits(f + 14, 2, &t->mi);
	digits(f + 17, 2, &t->s);
}

/* A checked number field, or -1 for \N. */
static inline int64_t
numval(const char *f, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (isnull(f, n))
		return -1;
	for (i = 0; i < n; i++)
		v = v * 10 + (f[i] - '0');
	return v;
}

/*
 * The value of a hex digit of a checked line_hash ('0'-'9', 'a'-'f',
 * 'A'-'F'), without a call or a branch: it runs 48 times a line.
 */
static inline unsigned
hexdigit(unsigned char c)
{
	return (c & 0xf) + 9 * (c >> 6);
}

/* s[0..n) appended to the growing buffer *b of *len bytes (*size). */
static inline void
bput(char **b, size_t *len, size_t *size, const void *s, size_t n)
{
	if (*len + n > *size) {
		*size = (*len + n) * 2 > 65536 ? (*len + n) * 2 : 65536;
		*b = xrealloc(*b, *size);
	}
	memcpy(*b + *len, s, n);
	*len += n;
}

/* The fields of a line, from the offsets fields() found when it was read. */
static inline void
linefields(const char *line, const uint32_t *o, const char **f, size_t *n)
{
	size_t k;

	for (k = 0; k < NLOGCOLS; k++) {
		f[k] = line + o[k];
		n[k] = o[k + 1] - o[k] - 1;
	}
}

/* The fields of row i of the batch being loaded. */
static inline void
rowfields(size_t i, const char **f, size_t *n)
{
	linefields(pl.ld->buf + pl.ld->off[i], pl.ld->fo + i * (NLOGCOLS + 1),
	    f, n);
}

/* Row i's ids of the batch being loaded, NOID for NULL. */
static inline void
rowids(size_t row, int64_t *id)
{
	const int32_t *rid = pl.ld->rowid + row * ND;
	int k;

	for (k = 1; k < ND; k++)
		if ((id[k] = rid[k]) == NOID32)
			id[k] = NOID;
}

/*
 * Binary COPY, big-endian: the tb functions add a field (or its parts)
 * to a cbuf.
 */
static inline void
tbput(struct cbuf *o, const void *s, size_t n)
{
	bput(&o->b, &o->len, &o->size, s, n);
}

static inline void
tb16(struct cbuf *o, int v)
{
	unsigned char b[2] = { (unsigned)v >> 8 & 0xff, v & 0xff };

	tbput(o, b, 2);
}

static inline void
tb32(struct cbuf *o, int64_t v)
{
	unsigned char b[4];
	uint32_t u = (uint32_t)v;

	b[0] = u >> 24;
	b[1] = u >> 16;
	b[2] = u >> 8;
	b[3] = u;
	tbput(o, b, 4);
}

static inline void
tb64(struct cbuf *o, int64_t v)
{
	unsigned char b[8];
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		b[i] = u & 0xff;
	tbput(o, b, 8);
}

/* An int2, int4 or int8 field (NOID: NULL). */
static inline void
tbint(struct cbuf *o, int64_t v, int width)
{
	if (v == NOID) {
		tb32(o, -1);
		return;
	}
	tb32(o, width);
	if (width == 2)
		tb16(o, (int)v);
	else if (width == 4)
		tb32(o, v);
	else
		tb64(o, v);
}

#endif
