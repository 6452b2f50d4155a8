/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_UTIL_H
#define S3LOGS_UTIL_H

#include <stddef.h>

/*
 * Allocation that cannot fail.  These are the one deliberate exception to
 * "lib never prints or exits": on exhaustion they print
 * "PROG: out of memory" with err(3) and exit 1, because no caller in this
 * toolkit can do anything better.  Sizes that overflow size_t count as
 * exhaustion.
 */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/*
 * Parse a non-negative decimal number in [min, max] from s.  Returns 0 and
 * stores it in *out, or -1 with errno EINVAL (not a number, trailing junk)
 * or ERANGE (outside [min, max]).
 */
int	 parse_num(const char *s, long long min, long long max, long long *out);

/* A copy of environment variable name, or NULL if it is unset or empty. */
char	*env_dup(const char *name);

/* The value of one hexadecimal digit, either case, or -1. */
int	 hexval(int c);

/* The toolkit's version ("1.0"), for every program's --version. */
extern const char s3logs_version[];

/*
 * The GNU long options every program answers: 'h' if "--help" or 'V' if
 * "--version" comes first among the arguments before "--", else 0.
 */
int	 std_option(int argc, char *argv[]);

/*
 * The text that answers std_option: help for --help, "name VERSION\n"
 * (in a static buffer) for --version, NULL for neither.  The program
 * writes it on stdout and exits, 0 unless the write fails:
 *	if ((s = std_answer(argc, argv, "s3ls", help)) != NULL)
 *		return fputs(s, stdout) == EOF || fflush(stdout) == EOF;
 */
const char *std_answer(int argc, char *argv[], const char *name,
	    const char *help);

#endif
