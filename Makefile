# s3logs: S3 server access logs into PostgreSQL and a static report site.
.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANPREFIX = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share/s3logs
DESTDIR =

CC = cc
PKG_CONFIG = pkg-config
CFLAGS = -O2 -g
LDFLAGS =
# Warnings live in their own variable so that a user's CFLAGS keeps them;
# CI builds with WERROR=-Werror.
WARNFLAGS = -Wall -Wextra -Wshadow -Wno-unused-parameter
WERROR =
PKGS = libcurl libcrypto libpq libxxhash expat yajl
DEPCFLAGS != $(PKG_CONFIG) --cflags $(PKGS)
DEPLIBS != $(PKG_CONFIG) --libs $(PKGS)
TKCPPFLAGS = -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DSHAREDIR=\"$(SHAREDIR)\" -Ilib
TKCFLAGS = $(WARNFLAGS) $(WERROR) $(TKCPPFLAGS) $(DEPCFLAGS) $(CPPFLAGS) $(CFLAGS)

PROGS = s3ls s3cat s3put logparse pgload encodefetch report
BINS != for p in $(PROGS); do printf 'cmd/%s/%s ' $$p $$p; done
LIBSRC != ls lib/*.c
LIBOBJ != ls lib/*.c | sed 's/\.c$$/.o/'
LIBHDR != ls lib/*.h
MAN1 != for p in $(PROGS); do printf 'man/%s.1 ' $$p; done
MAN7 = man/s3logs.7
MANSCRIPTS = man/s3logs-nightly.1
SCRIPTS = s3logs-nightly
SQL != ls sql/*.sql 2>/dev/null || true

all: $(BINS)

.c.o:
	$(CC) $(TKCFLAGS) -c -o $@ $<

$(LIBOBJ) $(BINS:=.o): $(LIBHDR) Makefile

lib/libs3logs.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(BINS): lib/libs3logs.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o lib/libs3logs.a $(DEPLIBS) -lm

# One explicit rule per program keeps this a plain POSIX makefile.
cmd/s3ls/s3ls: cmd/s3ls/s3ls.o
cmd/s3cat/s3cat: cmd/s3cat/s3cat.o
cmd/s3put/s3put: cmd/s3put/s3put.o
cmd/logparse/logparse: cmd/logparse/logparse.o
cmd/pgload/pgload: cmd/pgload/pgload.o
cmd/encodefetch/encodefetch: cmd/encodefetch/encodefetch.o
cmd/report/report: cmd/report/report.o

check: FRC
	tests/run

# The end-to-end demo on local servers (README, first command).
demo: FRC
	tests/demo

lint: FRC
	mandoc -Tlint -Wwarning $(MAN1) $(MANSCRIPTS) $(MAN7)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man7 $(DESTDIR)$(SHAREDIR)/sql
	for p in $(PROGS); do install -m 0755 cmd/$$p/$$p $(DESTDIR)$(BINDIR)/$$p; done
	for s in $(SCRIPTS); do [ ! -f scripts/$$s ] || install -m 0755 scripts/$$s $(DESTDIR)$(BINDIR)/$$s; done
	for m in $(MAN1) $(MANSCRIPTS); do install -m 0644 $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	install -m 0644 $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/
	for f in $(SQL); do install -m 0644 $$f $(DESTDIR)$(SHAREDIR)/sql/; done

uninstall: FRC
	for p in $(PROGS) $(SCRIPTS); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for p in $(PROGS) $(SCRIPTS); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$$p.1; done
	rm -f $(DESTDIR)$(MANPREFIX)/man7/s3logs.7
	rm -rf $(DESTDIR)$(SHAREDIR)

clean: FRC
	rm -f $(BINS) $(BINS:=.o) $(LIBOBJ) lib/libs3logs.a

FRC:
