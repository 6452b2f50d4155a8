/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_PG_H
#define S3LOGS_PG_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * Small libpq helpers: connecting, running statements, reading results,
 * streaming COPY.
 * Every function that can fail returns -1 (or NULL) and writes a one-line
 * message into the caller's err[errlen] (libpq's text, first line only,
 * with the server's CONTEXT line number where there is one); none prints.
 * This module knows nothing of S3 or of the s3logs schema.
 */

#define PG_ERRLEN	512

/*
 * Connect with a conninfo string or URI (NULL or "" means the PG*
 * environment variables alone).  Server notices are discarded: the
 * commands decide what to say.  Returns the connection, or NULL with err
 * filled.  The caller owns the connection (PQfinish).
 */
PGconn	*pg_connect(const char *conninfo, char *err, size_t errlen);

/*
 * Run one or more statements that return no rows we need.  Returns 0, or
 * -1 with err filled.
 */
int	 pg_exec(PGconn *, const char *sql, char *err, size_t errlen);

/*
 * Run one statement with text parameters (values never enter the SQL
 * text).  Returns the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK), which
 * the caller PQclear()s, or NULL with err filled.
 */
PGresult *pg_query(PGconn *, const char *sql, int nparams,
	    const char *const *params, char *err, size_t errlen);

/*
 * Start "COPY ... FROM STDIN" (sql).  Returns 0, or -1 with err filled.
 */
int	 pg_copy_begin(PGconn *, const char *sql, char *err, size_t errlen);

/*
 * Send n bytes of COPY data.  Returns 0, or -1 with err filled (the
 * connection is gone or the server already failed the COPY).
 */
int	 pg_copy_put(PGconn *, const void *buf, size_t n, char *err,
	    size_t errlen);

/*
 * End the COPY (abort it instead, with the message abortmsg, if that is
 * not NULL).  Returns 0, or -1 with err filled; then, if the server named
 * the COPY input line and column at fault (its CONTEXT), *linep gets the
 * 1-based line within this COPY and colbuf[collen] the column name,
 * otherwise *linep is 0 and colbuf "".
 */
int	 pg_copy_end(PGconn *, const char *abortmsg, unsigned long *linep,
	    char *colbuf, size_t collen, char *err, size_t errlen);

/*
 * The identifier s quoted for SQL text (PQescapeIdentifier).  Only for
 * names that come from the catalog.  Returns a string the caller frees,
 * or NULL with err filled.
 */
char	*pg_ident(PGconn *, const char *s, char *err, size_t errlen);

/*
 * As pg_query(), with the result in binary format (a bytea column's raw
 * bytes, for pg_bytes()).
 */
PGresult *pg_query_bin(PGconn *, const char *sql, int nparams,
	    const char *const *params, char *err, size_t errlen);

/* The number of rows of a result; 0 for NULL or a command's result. */
int	 pg_nrows(const PGresult *);

/*
 * The text of a value, or NULL for SQL NULL.  The string lives as long as
 * the result (until pg_clear()).
 */
const char *pg_value(const PGresult *, int row, int col);

/*
 * A value as an integer (decimal text, as a text-format result gives
 * bigint, int and numeric without fraction), or 0 for SQL NULL.
 */
long long pg_int(const PGresult *, int row, int col);

/* A value as a double, or 0 for SQL NULL. */
double	 pg_double(const PGresult *, int row, int col);

/*
 * The bytes of a value and their number in *lenp (a binary-format
 * result's bytea, from pg_query_bin()), or NULL and 0 for SQL NULL.  The
 * bytes live as long as the result.
 */
const void *pg_bytes(const PGresult *, int row, int col, size_t *lenp);

/* Free a result (NULL is allowed). */
void	 pg_clear(PGresult *);

/* Close the connection and free it (NULL is allowed). */
void	 pg_close(PGconn *);

#endif
