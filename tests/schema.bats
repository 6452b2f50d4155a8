#!/usr/bin/env bats
# The schema: what sql/ defines is what a fresh database gets, and the SQL
# takes the advisory locks lib/migrate.h names.
load helper

setup() {
	need_servers
	newdb schema
}

# The tables, views, indexes, functions and triggers of the database, a
# "KIND NAME" line each, sorted: not the extension's, not schema_migrations
# (lib/migrate.c's own), not the partitions of logs, not the indexes behind
# a primary key or UNIQUE constraint.
catalog() {
	q "SELECT k || ' ' || n FROM (
	    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'i' THEN 'INDEX'
		ELSE 'TABLE' END AS k, c.relname AS n
	    FROM pg_class c
	    WHERE c.relnamespace = 'public'::regnamespace
	    AND c.relkind IN ('r', 'p', 'v', 'i') AND NOT c.relispartition
	    AND c.relname <> 'schema_migrations'
	    AND NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = c.oid)
	    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
		AND d.objid = c.oid AND d.deptype = 'e')
	    UNION ALL
	    SELECT 'FUNCTION', p.proname FROM pg_proc p
	    WHERE p.pronamespace = 'public'::regnamespace
	    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
		AND d.objid = p.oid AND d.deptype = 'e')
	    UNION ALL
	    SELECT 'TRIGGER', t.tgname FROM pg_trigger t WHERE NOT t.tgisinternal
	) o ORDER BY (k || ' ' || n) COLLATE \"C\""
}

@test "schema: a fresh database has exactly the objects sql/ creates" {
	run -0 --separate-stderr pgload </dev/null
	[ "$stderr" = "" ]
	# What the files say they create, by name.
	sed -n 's/^CREATE \(TABLE\|VIEW\|INDEX\|FUNCTION\|TRIGGER\) \([a-z_0-9]*\).*/\1 \2/p' \
	    "$ROOT"/sql/*.sql | LC_ALL=C sort >"$BATS_TEST_TMPDIR/files"
	catalog >"$BATS_TEST_TMPDIR/db"
	diff "$BATS_TEST_TMPDIR/files" "$BATS_TEST_TMPDIR/db"
	# Each defined once, and every file applied, under its own number.
	[ -z "$(uniq -d "$BATS_TEST_TMPDIR/files")" ]
	[ "$(q "SELECT string_agg(version || ' ' || name, ',' ORDER BY version) FROM schema_migrations")" = \
	    "$(cd "$ROOT/sql" && ls -- *.sql | sed 's/^0*\([0-9]*\)-.*/\1 &/' | paste -sd,)" ]
}

@test "schema: the SQL takes the advisory locks of lib/migrate.h" {
	run -0 --separate-stderr pgload </dev/null
	[ "$stderr" = "" ]
	def() { sed -n "s/^#define $1[[:space:]]*\([0-9]*\).*/\1/p" "$ROOT/lib/migrate.h"; }
	class=$(def MIGRATE_LOCK_CLASS)
	[ -n "$class" ]
	# One place in sql/ writes the class, and s3logs_lock() takes it.
	[ "$(grep -v '^[[:space:]]*--' "$ROOT"/sql/*.sql | grep -c "$class")" -eq 1 ]
	run -0 --separate-stderr psql -X -q -A -t -v ON_ERROR_STOP=1 <<-SQL
	BEGIN;
	SELECT s3logs_lock($(def MIGRATE_LOCK_LOAD)) \\g /dev/null
	SELECT classid || ' ' || objid || ' ' || objsubid FROM pg_locks
	WHERE locktype = 'advisory' AND pid = pg_backend_pid();
	COMMIT;
	SQL
	[ "$stderr" = "" ]
	[ "$output" = "$class $(def MIGRATE_LOCK_LOAD) 2" ]
	# The objects the SQL locks are migrate.h's load, fold and pairs.
	grep -ho 's3logs_lock([0-9]*)' "$ROOT"/sql/*.sql | sed 's/.*(\(.*\))/\1/' |
	    sort -un >"$BATS_TEST_TMPDIR/used"
	printf '%s\n' "$(def MIGRATE_LOCK_LOAD)" "$(def MIGRATE_LOCK_FOLD)" \
	    "$(def MIGRATE_LOCK_PAIRS)" | sort -un | diff - "$BATS_TEST_TMPDIR/used"
}
