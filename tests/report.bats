#!/usr/bin/env bats
# report: the static site, from a database loaded by the real pipeline
# (logparse | pgload, pgload -t for the ENCODE tables), checked against SQL
# over the logs table, for escaping and privacy, and served by RGW's S3
# website endpoint.
load helper

F=$FIXTURES/report

setup() {
	need_servers
	T=$BATS_TEST_TMPDIR
}

# load: a fresh database with tests/fixtures/report/site.log and the
# ENCODE fixture rows, loaded the way production loads them.
load_fixture() {
	newdb report
	logparse "$F/site.log" | pgload || return 1
	for t in files datasets labs awards; do
		pgload -t "$t" <"$F/$t.tsv" || return 1
	done
}

# The SQL over the logs table that the old system ran for its home page.
DL="FROM logs l JOIN operations o USING (operation_id)
    WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)"

summary() {
	awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$1/summary.tsv"
}

@test "report: a bad option or no -o exits 2 with the usage line" {
	run -2 --separate-stderr report -x
	[ "$output" = "" ]
	[[ "$stderr" == *"usage: report [-HRanv] [-d conninfo] [--geoip-database file] [-k keyfile] [-t top] -o dir"* ]]
	run -2 --separate-stderr report
	[ "$output" = "" ]
	[[ "$stderr" == "usage: report "* ]]
	run -2 --separate-stderr report -t 0 -o "$T/x"
	[ "$output" = "" ]
	[ "$stderr" = "report: -t 0: not a number in 1..100000" ]
}

@test "report: a database that cannot be reached exits 1 with a message" {
	run -1 --separate-stderr report -d "host=127.0.0.1 port=1 connect_timeout=2" -o "$T/site"
	[ "$output" = "" ]
	[[ "$stderr" == "report: database: "* ]]
}

@test "report: home page numbers equal SQL over the logs table" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	[ "$stderr" = "" ]
	# stdout lists the files written: the home page among them.
	grep -qx index.html <<<"$output"
	grep -qx summary.tsv <<<"$output"
	[ "$(summary "$T/site" downloads)" = "$(q "SELECT count(*) $DL")" ]
	[ "$(summary "$T/site" unique_downloads)" = \
	    "$(q "SELECT count(DISTINCT (l.object_id, l.client_id)) $DL")" ]
	[ "$(summary "$T/site" unique_downloaders)" = \
	    "$(q "SELECT count(DISTINCT l.client_id) $DL")" ]
	[ "$(summary "$T/site" unique_files)" = \
	    "$(q "SELECT count(DISTINCT l.object_id) $DL")" ]
	[ "$(summary "$T/site" unique_requesters)" = \
	    "$(q "SELECT count(DISTINCT l.requester_id) $DL AND l.requester_id <> 0")" ]
	[ "$(summary "$T/site" average_file_size)" = \
	    "$(q "SELECT round(avg(s)) FROM (SELECT max(l.object_size) AS s $DL
	        GROUP BY l.object_id) x")" ]
	# The fixture's known values, so that a broken SQL side fails too.
	[ "$(summary "$T/site" downloads)" = 9 ]
	[ "$(summary "$T/site" unique_downloads)" = 6 ]
	[ "$(summary "$T/site" unique_downloaders)" = 5 ]
	[ "$(summary "$T/site" unique_requesters)" = 2 ]
	# ... and the same numbers on the page itself.
	grep -q '<div class="v">9</div><div class="l">Total downloads</div>' "$T/site/index.html"
	grep -q '<div class="v">6</div><div class="l">Unique downloads</div>' "$T/site/index.html"
	grep -q '<div class="v">4.90 kB</div><div class="l">Average file size</div>' "$T/site/index.html"
	# Experiment and assay from the ENCODE tables, in the top files table.
	grep -q 'href="e/ENCSR552YGL.html">ENCSR552YGL</a></td><td class="k">TF ChIP-seq</td>' "$T/site/index.html"
	# Each table has its TSV next to it, linked from the page.
	for f in top-files.tsv top-downloaders.tsv files.tsv downloaders.tsv \
	    requesters.tsv periods.tsv experiments.tsv labs.tsv awards.tsv; do
		[ -s "$T/site/$f" ] || { echo "no $f"; return 1; }
	done
	[ "$(wc -l <"$T/site/files.tsv")" -eq 4 ]
	grep -q 'href="top-files.tsv"' "$T/site/index.html"
	# One page per file, downloader, requester, experiment, lab, award,
	# month and year.
	[ "$(ls "$T"/site/f/*.html | wc -l)" -eq "$(q "SELECT count(DISTINCT l.object_id) $DL")" ]
	[ "$(ls "$T"/site/d/*.html | wc -l)" -eq 5 ]
	[ "$(ls "$T"/site/r/*.html | wc -l)" -eq 3 ]
	[ -f "$T/site/e/ENCSR552YGL.html" ]
	[ -f "$T/site/l/michael-snyder.html" ]
	[ -f "$T/site/a/U54HG006996.html" ]
	for p in 2024 2024-01 2024-02 2024-03; do
		[ -f "$T/site/p/$p.html" ] || { echo "no p/$p.html"; return 1; }
	done
	# The month pages add up to the total.
	[ "$(awk -F'\t' 'NR > 1 && length($1) == 7 { s += $2 } END { print s }' "$T/site/periods.tsv")" = 9 ]
}

@test "report: folds the queues; report_pairs equals the downloads in logs" {
	newdb report
	# One line per batch: the second download of a (file, client) adds to
	# its pair, it does not replace it.
	logparse "$F/site.log" | pgload -b 1
	"$ROOT/bench/genlogs.py" -n 3000 -s 5 --keys 50 --clients 40 | logparse | pgload -b 700
	fromlogs="SELECT l.object_id, l.client_id, coalesce(l.requester_id, 0),
	    count(*), coalesce(sum(l.bytes_sent), 0)
	    FROM logs l JOIN operations o USING (operation_id)
	    WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)
	    AND l.object_id IS NOT NULL AND l.client_id IS NOT NULL
	    GROUP BY 1, 2, 3"
	pairs="SELECT object_id, client_id, requester_id, downloads, bytes_sent FROM report_pairs"
	[ "$(q "SELECT count(*) FROM report_pairs_queue")" -gt 0 ]
	# A batch's sums left queued, as by a pgload killed before its fold.
	q "INSERT INTO pgload_queue_day (day, requests, downloads, full_downloads,
	    partial_downloads, bytes_sent, errors, downloaders, objects,
	    requesters, object_downloaders) VALUES ('2024-03-01', 7, 0, 0, 0, 0,
	    0, hll_empty(), hll_empty(), hll_empty(), hll_empty())" >/dev/null
	run -0 --separate-stderr report -o "$T/site"
	[ "$(q "SELECT count(*) FROM report_pairs_queue")" -eq 0 ]
	[ "$(q "SELECT count(*) FROM pgload_queue_day")" -eq 0 ]
	[ "$(q "SELECT requests FROM daily_total WHERE day = '2024-03-01'")" -eq 7 ]
	[ "$(q "SELECT count(*) FROM ($fromlogs EXCEPT $pairs) x")" -eq 0 ]
	[ "$(q "SELECT count(*) FROM ($pairs EXCEPT $fromlogs) x")" -eq 0 ]
	[ "$(q "SELECT max(downloads) FROM report_pairs")" -gt 1 ]
	# Later loads add to the pairs the next report folds.
	"$ROOT/bench/genlogs.py" -n 1000 -s 6 --keys 50 --clients 40 | logparse | pgload -b 300
	run -0 --separate-stderr report -o "$T/site"
	[ "$(q "SELECT count(*) FROM ($fromlogs EXCEPT $pairs) x")" -eq 0 ]
	[ "$(q "SELECT count(*) FROM ($pairs EXCEPT $fromlogs) x")" -eq 0 ]
}

@test "report: strings from log lines are escaped everywhere" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	[ "$stderr" = "" ]
	# The raw strings appear nowhere in the site (HTML, SVG, TSV).
	run -1 grep -rlF '"><img src=x onerror=alert(1)>' "$T/site"
	run -1 grep -rlF '<script>alert(1)</script>' "$T/site"
	run -1 grep -rlF '"><svg/onload=alert(2)>' "$T/site"
	run -1 grep -rlF '<b>lab</b>' "$T/site"
	run -1 grep -rliF '<script' "$T/site"
	run -1 grep -rlF 'onerror=alert(1)>' "$T/site"
	# The key (decoded from the log's URL encoding) is shown escaped on
	# the home page, the file list and its own page, also in <title>.
	esc='&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.bam'
	for f in index.html files.html; do
		grep -qF "$esc" "$T/site/$f" || { echo "not in $f"; return 1; }
	done
	page=$(grep -lF "<title>$esc" "$T"/site/f/*.html)
	[ -n "$page" ]
	grep -qF "<h1>$esc</h1>" "$page"
	# The hostile requester too, in HTML and (percent-encoded) in TSV,
	# when requesters are shown by name.
	run -0 --separate-stderr report --show-requesters -o "$T/site-r"
	grep -qF '&quot;&gt;&lt;svg/onload=alert(2)&gt;' "$T/site-r/requesters.html"
	grep -qF '%22%3E%3Csvg/onload=alert%282%29%3E' "$T/site-r/requesters.tsv"
	run -1 grep -rlF '"><svg/onload=alert(2)>' "$T/site-r"
	grep -qF 'Michael Snyder, Stanford &lt;b&gt;lab&lt;/b&gt;' "$T/site/labs.html"
	# No page holds a script, an event handler or an external resource.
	run -1 grep -rlE '<script|<iframe|<link |src="http' "$T/site"
	# Page file names come from ids and hashes, never from log data.
	run -0 bash -c "cd '$T/site' && find . -type f | grep -v '^\./[a-z0-9/._-]*$'"
}

@test "report: no client address of the loaded logs appears in the site" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	[ "$stderr" = "" ]
	ips=$(q "SELECT host(ip) FROM clients")
	[ "$(wc -l <<<"$ips")" -eq 6 ]
	grep -q ':' <<<"$ips"		# IPv6 ones too
	while read -r ip; do
		run -1 grep -rlF "$ip" "$T/site"
	done <<<"$ips"
	run -1 grep -rlE '([0-9]{1,3}\.){3}[0-9]{1,3}' "$T/site"
	run -1 grep -rliE '2001:db8' "$T/site"
	# Pseudonyms instead: readable, stable across runs and renderings.
	grep -qE '>[a-z]+-[a-z]+-[0-9a-f]{6}</a>' "$T/site/downloaders.html"
	run -0 --separate-stderr report -o "$T/site2"
	diff -r "$T/site" "$T/site2"
	# Another key gives other names; -n shows networks; -a raw addresses.
	head -c 32 /dev/urandom >"$T/key"
	run -0 --separate-stderr report -k "$T/key" -o "$T/site3"
	! diff -q "$T/site/downloaders.tsv" "$T/site3/downloaders.tsv"
	run -0 --separate-stderr report -n -o "$T/site4"
	grep -qF '198.51.100.0/24' "$T/site4/downloaders.tsv"
	grep -qF '2001:db8:abcd::/48' "$T/site4/downloaders.tsv"
	run -1 grep -rlF '198.51.100.7' "$T/site4"
	run -0 --separate-stderr report --raw-addresses -o "$T/site5"
	grep -qF '198.51.100.7' "$T/site5/downloaders.tsv"
}

@test "report: no requester identity is published; --show-requesters shows them" {
	load_fixture
	logparse "$F/requesters.log" | pgload
	run -0 --separate-stderr report -o "$T/site"
	[ "$stderr" = "" ]
	# No ARN, account id, canonical id, e-mail address or role anywhere
	# in the site, HTML or TSV.
	for s in arn: 123456789012 210987654321 345678901234 456789012345 \
	    79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be \
	    alice example.org bob.smith AWSReservedSSO DataReader i-0abcdef \
	    svg/onload; do
		run -1 grep -rlF -- "$s" "$T/site"
	done
	run -1 grep -rlE '(^|[^0-9])[0-9]{12}([^0-9]|$)' "$T/site"
	run -1 grep -rlE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' "$T/site"
	# Each signed identity by a keyed pseudonym (six of them); anonymous
	# and the AWS service principals by name, in HTML and TSV alike.
	[ "$(cut -f2 "$T/site/requesters.tsv" | grep -xE 'id-[a-z]+-[a-z]+-[0-9a-f]{6}' | sort -u | wc -l)" -eq 6 ]
	[ "$(grep -oE '>id-[a-z]+-[a-z]+-[0-9a-f]{6}</a>' "$T/site/requesters.html" | sort -u | wc -l)" -eq 6 ]
	for s in anonymous svc:delivery.logs.amazonaws.com AmazonS3; do
		grep -qP "^$s\t" <(cut -f2- "$T/site/requesters.tsv")
		grep -qF ">$s</a>" "$T/site/requesters.html"
	done
	# Stable across runs; another key, other names.
	run -0 --separate-stderr report -o "$T/site2"
	diff -r "$T/site" "$T/site2"
	head -c 32 /dev/urandom >"$T/key"
	run -0 --separate-stderr report -k "$T/key" -o "$T/site3"
	! diff -q "$T/site/requesters.tsv" "$T/site3/requesters.tsv"
	# -a (raw addresses, internal) keeps requesters pseudonymous.
	run -0 --separate-stderr report -a -o "$T/site4"
	run -1 grep -rlF alice@example.org "$T/site4"
	# --show-requesters: identities by name, in HTML and TSV ...
	run -0 --separate-stderr report --show-requesters -o "$T/site5"
	grep -qF 'arn:aws:sts::210987654321:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.org' "$T/site5/requesters.html"
	grep -qF 'bob.smith@lab.example.edu' "$T/site5/requesters.tsv"
	grep -qF '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' "$T/site5/requesters.tsv"
	# ... but never tied to a downloader's pseudonym: no page links a
	# requester to a downloader.
	run -1 grep -lF 'href="../d/' "$T"/site5/r/*.html
	run -1 grep -lF 'href="../r/' "$T"/site5/d/*.html "$T"/site5/f/*.html
	run -1 grep -rlE '[a-z]+-[a-z]+-[0-9a-f]{6}' "$T"/site5/r
	# With raw addresses too (an internal site) they are tied again.
	run -0 --separate-stderr report -R -a -o "$T/site6"
	grep -qlF 'href="../d/' "$T"/site6/r/*.html
}

@test "report: all-time numbers are exact; estimates are marked and never exceed their totals" {
	newdb report
	"$ROOT/bench/genlogs.py" -n 20000 -s 3 --days 60 --keys 400 \
	    --clients 4000 | logparse | pgload -b 3000
	run -0 --separate-stderr report -o "$T/site"
	[ "$stderr" = "" ]
	for k in downloads:"count(*)" \
	    unique_downloads:"count(DISTINCT (l.object_id, l.client_id))" \
	    unique_downloaders:"count(DISTINCT l.client_id)" \
	    unique_files:"count(DISTINCT l.object_id)" \
	    unique_requesters:"count(DISTINCT l.requester_id) FILTER (WHERE l.requester_id <> 0)"; do
		want=$(q "SELECT ${k#*:} $DL")
		got=$(summary "$T/site" "${k%%:*}")
		[ "$got" = "$want" ] || { echo "${k%%:*}: $got, SQL: $want"; return 1; }
	done
	[ "$(summary "$T/site" requests)" = "$(q "SELECT count(*) FROM logs")" ]
	[ "$(summary "$T/site" bytes_sent)" = "$(q "SELECT sum(bytes_sent) FROM logs")" ]
	[ "$(summary "$T/site" average_file_size)" = \
	    "$(q "SELECT round(avg(o.size)) FROM objects o WHERE object_id IN
	        (SELECT l.object_id $DL)")" ]
	# Big enough for HyperLogLog to be off (it was, before: more unique
	# downloads than downloads is what a reader saw).
	[ "$(summary "$T/site" unique_downloaders)" -gt 1000 ]
	grep -qF "<div class=\"v\">$(summary "$T/site" unique_downloads | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta')</div><div class=\"l\">Unique downloads</div>" "$T/site/index.html"
	run -1 grep -F '≈' "$T/site/index.html"
	# Every file's downloads and distinct downloaders, every downloader's
	# downloads and files, every requester's numbers: exact.
	diff <(awk -F'\t' 'NR > 1 { print $5, $6 }' "$T/site/files.tsv" | sort) \
	    <(q "SELECT count(*), count(DISTINCT l.client_id) $DL GROUP BY l.object_id" | tr '|' ' ' | sort)
	diff <(awk -F'\t' 'NR > 1 { print $3, $4 }' "$T/site/downloaders.tsv" | sort) \
	    <(q "SELECT count(*), count(DISTINCT l.object_id) $DL GROUP BY l.client_id" | tr '|' ' ' | sort)
	diff <(awk -F'\t' 'NR > 1 { print $3, $4, $5 }' "$T/site/requesters.tsv" | sort) \
	    <(q "SELECT count(*), count(DISTINCT l.client_id), count(DISTINCT l.object_id) $DL GROUP BY coalesce(l.requester_id, 0)" | tr '|' ' ' | sort)
	# Periods' distinct counts are estimates: marked, and within bounds.
	grep -qF '≈' "$T/site/p/2024-01.html"
	grep -qF '≈ Unique downloads' "$T/site/periods.html"
	awk -F'\t' 'NR > 1 && ($3 > $2 || $4 > $3 || $5 > $3) { print; bad = 1 }
	    END { exit bad }' "$T/site/periods.tsv"
	# Months: downloads per month from SQL; unique downloads estimated.
	diff <(awk -F'\t' 'NR > 1 && length($1) == 7 { print $1, $2 }' "$T/site/periods.tsv") \
	    <(q "SELECT to_char(l.time AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) $DL GROUP BY 1 ORDER BY 1" | tr '|' ' ')
}

@test "report: a month's page counts that month; a file has one label everywhere" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	# ENCFF152HME: 3 downloads in January, 1 in March, 4 in all.
	f=$(q "SELECT object_id FROM objects WHERE key LIKE '%ENCFF152HME%'")
	grep -qF "href=\"../f/$f.html\">ENCFF152HME</a></td><td class=\"k\"><a href=\"../e/ENCSR552YGL.html\">" "$T/site/p/2024-01.html"
	[ "$(awk -F'\t' '$2 == "ENCFF152HME" { print $5 }' "$T/site/p/2024-01-files.tsv")" = 3 ]
	[ "$(awk -F'\t' '$2 == "ENCFF152HME" { print $5 }' "$T/site/p/2024-03-files.tsv")" = 1 ]
	[ "$(awk -F'\t' '$2 == "ENCFF152HME" { print $5 }' "$T/site/files.tsv")" = 4 ]
	# The month's chart draws the month's count (3), with the same label.
	sed -n '/<h2>Top files by downloads/,/<\/svg>/p' "$T/site/p/2024-01.html" >"$T/chart"
	grep -qF '>ENCFF152HME<' "$T/chart"
	grep -qE '>3<' "$T/chart"
	run -1 grep -qE '>4<' "$T/chart"
	# The key's name is never a label where the accession is known.
	run -1 grep -rlF '>ENCFF152HME.bigBed<' "$T/site"
	grep -qF '>ENCFF152HME<' "$T/site/index.html"
}

# mmdb_fixture DIR: a country and an ASN database for the fixture's
# addresses (192.0.2.44 is in neither; 2001:db8:ffff:1::42 has no country).
mmdb_fixture() {
	"$ROOT/tests/harness/mkmmdb" country "$1/country.mmdb" <<-EOF || return 1
	198.51.100.0/24 US United States
	2001:db8:abcd::/48 DE Germany
	203.0.113.0/24 JP Japan
	EOF
	"$ROOT/tests/harness/mkmmdb" asn "$1/asn.mmdb" <<-EOF
	198.51.100.0/24 64500 Example University
	203.0.113.0/25 64501 Example Research Network
	2001:db8::/32 64502 Example IPv6 Institute
	EOF
}

@test "report: --geoip-database: downloads and downloaders by country and network" {
	load_fixture
	mmdb_fixture "$T"
	run -0 --separate-stderr report --geoip-database "$T/country.mmdb" \
	    --geoip-database "$T/asn.mmdb" -o "$T/site"
	[ "$stderr" = "" ]
	# Per country and per network, as SQL over the logs counts them.
	place="FROM logs l JOIN operations o USING (operation_id)
	    JOIN clients c USING (client_id)
	    WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)"
	diff <(awk -F'\t' 'NR > 1 { print $3, $4, $5 }' "$T/site/countries.tsv" | sort) \
	    <(q "SELECT CASE WHEN c.ip << '198.51.100.0/24' THEN 'US'
	        WHEN c.ip << '2001:db8:abcd::/48' THEN 'DE'
	        WHEN c.ip << '203.0.113.0/24' THEN 'JP' ELSE '' END,
	        count(*), count(DISTINCT l.client_id) $place GROUP BY 1" |
	        tr '|' ' ' | sort)
	diff <(awk -F'\t' 'NR > 1 { print $2, $4, $5 }' "$T/site/networks.tsv" | sort) \
	    <(q "SELECT CASE WHEN c.ip << '198.51.100.0/24' THEN 'AS64500'
	        WHEN c.ip << '203.0.113.0/25' THEN 'AS64501'
	        WHEN c.ip << '2001:db8::/32' THEN 'AS64502' ELSE 'Unknown' END,
	        count(*), count(DISTINCT l.client_id) $place GROUP BY 1" |
	        tr '|' ' ' | sort)
	grep -qP "^[0-9]+\tUnited%20States\tUS\t2\t1\t" "$T/site/countries.tsv"
	grep -qP '\tAS64502\tExample%20IPv6%20Institute\t' "$T/site/networks.tsv"
	# The tables add up to the home page's totals.
	for t in countries networks; do
		[ "$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/site/$t.tsv")" = "$(summary "$T/site" downloads)" ]
		[ "$(awk -F'\t' 'NR > 1 { s += $5 } END { print s }' "$T/site/$t.tsv")" = "$(summary "$T/site" unique_downloaders)" ]
	done
	[ "$(summary "$T/site" countries)" = 3 ]
	[ "$(summary "$T/site" networks)" = 3 ]
	# The home page: tiles, a chart linking to the countries page.
	grep -q '<div class="v">3</div><div class="l">Countries</div>' "$T/site/index.html"
	grep -qF 'aria-label="Downloads by country"' "$T/site/index.html"
	grep -qF 'href="countries.html"' "$T/site/index.html"
	grep -qF 'href="networks.tsv"' "$T/site/networks.html"
	# A downloader's page says where it is.
	d=$(q "SELECT client_id FROM clients WHERE ip = '198.51.100.7'")
	grep -qF '<dt>Country</dt><dd>United States (US)</dd>' "$T/site/d/$d.html"
	grep -qF '<dt>Network</dt><dd>AS64500 Example University</dd>' "$T/site/d/$d.html"
	d=$(q "SELECT client_id FROM clients WHERE ip = '192.0.2.44'")
	grep -qF '<dt>Country</dt><dd><span class="small">unknown</span>' "$T/site/d/$d.html"
	# Still no address in the site.
	run -1 grep -rlE '([0-9]{1,3}\.){3}[0-9]{1,3}' "$T/site"
	run -1 grep -rliE '2001:db8' "$T/site"
	# -H writes the same home page.
	cp "$T/site/index.html" "$T/full.html"
	run -0 --separate-stderr report -H --geoip-database "$T/country.mmdb" \
	    --geoip-database "$T/asn.mmdb" -o "$T/site"
	cmp "$T/full.html" "$T/site/index.html"
	# Without a database the site is as before: no geography.
	run -0 --separate-stderr report -o "$T/plain"
	[ ! -e "$T/plain/countries.html" ] && [ ! -e "$T/plain/networks.tsv" ]
	run -1 grep -rlF 'Countries' "$T/plain"
	# A database that cannot be opened is a usage error.
	run -2 --separate-stderr report --geoip-database "$T/nonesuch.mmdb" -o "$T/x"
	[[ "$stderr" == "report: --geoip-database $T/nonesuch.mmdb: "* ]]
	run -2 --separate-stderr report --geoip-database "$F/site.log" -o "$T/x"
}

@test "report: regeneration rewrites only what changed, removes what is gone" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	n=$(wc -l <<<"$output")
	[ "$n" -eq "$(($(wc -l <"$T/site/manifest.txt") - 1))" ]
	touch -d '2000-01-01' "$T"/site/*.html
	run -0 --separate-stderr report -o "$T/site"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	[ -z "$(find "$T/site" -maxdepth 1 -name '*.html' -newer "$F/site.log")" ]
	# A foreign file is left alone; a page that is no longer produced is
	# removed (a downloader whose only download is deleted).
	echo keep >"$T/site/mine.txt"
	[ -f "$T/site/d/$(q "SELECT client_id FROM clients WHERE ip = '2001:db8:ffff:1::42'").html" ]
	q "DELETE FROM daily_client WHERE client_id = (SELECT client_id FROM clients WHERE ip = '2001:db8:ffff:1::42')" >/dev/null
	run -0 --separate-stderr report -o "$T/site"
	grep -qx downloaders.html <<<"$output"
	! grep -q '^p/2024-02' <<<"$output"	# other months are untouched
	[ ! -f "$T/site/d/$(q "SELECT client_id FROM clients WHERE ip = '2001:db8:ffff:1::42'").html" ]
	[ -f "$T/site/mine.txt" ]
}

@test "report: a signal leaves no temporary file; none looks like a page" {
	newdb report
	"$ROOT/bench/genlogs.py" -n 5000 -s 4 --days 40 --keys 800 \
	    --clients 1500 | logparse | pgload
	# Killed at different points of the run (the assertions hold
	# wherever it was): never a temporary file left behind.
	for sig in TERM INT HUP TERM INT; do
		report -o "$T/site" >/dev/null 2>&1 &
		pid=$!
		sleep 0.$((RANDOM % 9 + 1))
		kill -s "$sig" "$pid" 2>/dev/null || true
		st=0
		wait "$pid" || st=$?
		# Ended by the signal itself (128 + n), or done before it.
		[ "$st" -eq 0 ] || [ "$st" -gt 128 ] || { echo "status $st"; return 1; }
		[ ! -d "$T/site" ] || left=$(find "$T/site" -name '*.tmp.*')
		[ -z "${left:-}" ] || { echo "left: $left"; return 1; }
	done
	# Temporary names are dot files: what a run writes under a page's
	# name is always the whole page (seen with strace when it is there).
	if command -v strace >/dev/null; then
		rm -rf "$T/site"
		# (LeakSanitizer cannot run under ptrace.)
		ASAN_OPTIONS=detect_leaks=0 strace -f \
		    -e trace=openat,rename,renameat,renameat2 -o "$T/trace" \
		    report -o "$T/site" >/dev/null
		grep -E 'openat\(.*\.tmp\.' "$T/trace" | grep -vqE '/\.[^/]+\.tmp\.[A-Za-z0-9]{6}"' && return 1
		grep -qE 'rename[a-z0-9]*\(.*/\.index\.html\.tmp\.[A-Za-z0-9]{6}", .*/index\.html"' "$T/trace"
	fi
	run -0 --separate-stderr report -o "$T/site"
	[ -s "$T/site/index.html" ]
}

@test "report: a full run removes the temporary files a killed run left, and nothing else" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	# What SIGKILL leaves: our temporary names beside pages.
	touch "$T/site/.index.html.tmp.Ab12Cd" "$T/site/f/.1.html.tmp.xY9zQ0"
	# Not ours: another name, another pattern, a file no manifest lists.
	echo keep >"$T/site/mine.txt"
	touch "$T/site/.mine.txt.tmp.abcdef" "$T/site/f/.1.html.tmp.ab" \
	    "$T/site/f/.99999.html.tmp.abcdef"
	run -0 --separate-stderr report -H -o "$T/site"
	[ -f "$T/site/.index.html.tmp.Ab12Cd" ]		# -H removes nothing
	run -0 --separate-stderr report -o "$T/site"
	[ ! -e "$T/site/.index.html.tmp.Ab12Cd" ]
	[ ! -e "$T/site/f/.1.html.tmp.xY9zQ0" ]
	[ -f "$T/site/mine.txt" ]
	[ -f "$T/site/.mine.txt.tmp.abcdef" ]
	[ -f "$T/site/f/.1.html.tmp.ab" ]
	[ -f "$T/site/f/.99999.html.tmp.abcdef" ]
	[ -z "$(find "$T/site" -name '.*.html.tmp.??????' ! -name '.99999.*')" ]
}

@test "report: -H writes the same home page alone, and removes nothing" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	cp "$T/site/index.html" "$T/full.html"
	cp "$T/site/manifest.txt" "$T/manifest"
	rm "$T/site/index.html" "$T/site/top-files.tsv"
	run -0 --separate-stderr report -H -o "$T/site"
	[ "$stderr" = "" ]
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "index.html top-files.tsv " ]
	cmp "$T/full.html" "$T/site/index.html"
	cmp "$T/manifest" "$T/site/manifest.txt"
	[ -f "$T/site/f/1.html" ]
	# Into an empty directory: just the home page and its TSVs.
	run -0 --separate-stderr report -H -o "$T/home"
	[ "$(ls "$T/home" | tr '\n' ' ')" = "index.html summary.tsv top-downloaders.tsv top-files.tsv top-requesters.tsv " ]
}

@test "report: works without ENCODE metadata (keys only)" {
	newdb report
	logparse "$F/site.log" | pgload
	q "DROP VIEW object_metadata, object_unresolved, unresolved_by_reason, object_files CASCADE" >/dev/null
	run -0 --separate-stderr report -o "$T/site"
	[ "$stderr" = "" ]
	grep -q 'No ENCODE metadata loaded' "$T/site/experiments.html"
	grep -qF 'ENCFF152HME.bigBed' "$T/site/index.html"
	[ "$(summary "$T/site" downloads)" = 9 ]
	[ ! -d "$T/site/e" ]
}

@test "report: an unwritable page is reported, the others are written, exit 1" {
	load_fixture
	mkdir -p "$T/site"
	: >"$T/site/f"		# a file where the directory f/ should be
	run -1 --separate-stderr report -o "$T/site"
	[[ "$stderr" == *"report: $T/site/f/"*": Not a directory"* ]]
	grep -qx index.html <<<"$output"
	[ -f "$T/site/index.html" ] && [ -f "$T/site/d/1.html" ]
}

@test "report: >/dev/full exits 1 with a message; | head -1 is silent" {
	load_fixture
	run -1 --separate-stderr bash -c "report -o '$T/s1' >/dev/full"
	[ "$stderr" = "report: stdout: No space left on device" ]
	run -0 --separate-stderr bash -c "report -o '$T/s2' | head -1"
	[ "$output" = "summary.tsv" ]
	[ "$stderr" = "" ]
}

# upload SITE BUCKET: s3put -r when it exists (only changed files, type by
# extension); until then the AWS CLI, which also sets the type by extension.
upload_site() {
	if s3put -r "$1" "s3://$2/" >/dev/null 2>&1; then
		echo "# uploaded with s3put -r" >&3
	else
		echo "# s3put -r not available: uploaded with aws s3 cp --recursive" >&3
		aws s3 cp --recursive --quiet "$1" "s3://$2/"
	fi
}

# A bucket configured like tests/harness/up's "site": website + public read.
mkwebsite() {
	local b
	b=$(mkbucket web) || return 1
	aws s3api put-bucket-website --bucket "$b" --website-configuration \
	    '{"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"error.html"}}' || return 1
	aws s3api put-bucket-policy --bucket "$b" --policy "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$b/*\"}]}" || return 1
	printf '%s\n' "$b"
}

web() {
	curl -sS -H "Host: $B.s3-website.localhost" "$@"
}

@test "report: the site served by RGW's S3 website endpoint: /, links, types" {
	load_fixture
	run -0 --separate-stderr report -o "$T/site"
	B=$(mkwebsite)
	upload_site "$T/site" "$B"
	E=http://127.0.0.1:$S3LOGS_S3PORT
	# / is the home page.
	web -o "$T/home.html" -w '%{http_code} %{content_type}\n' "$E/" >"$T/st"
	[ "$(cut -d' ' -f1 "$T/st")" = 200 ]
	[[ "$(cut -d' ' -f2- "$T/st")" == text/html* ]]
	cmp "$T/home.html" "$T/site/index.html"
	# Crawl every relative link, through the endpoint.
	: >"$T/seen"
	crawl() {	# crawl PAGE-PATH DEPTH
		local dir=${1%/*} l u
		[ "$dir" = "$1" ] && dir=
		grep -o 'href="[^"]*"' "$T/site/$1" | sed 's/^href="//; s/"$//' |
		    grep -v '^https\?:' | sort -u | while read -r l; do
			u=$l
			[ -n "$dir" ] && u="$dir/$l"
			# Resolve ../
			u=$(sed -E 's#[^/]+/\.\./##g' <<<"$u")
			grep -qx "$u" "$T/seen" && continue
			echo "$u" >>"$T/seen"
			r=$(web -o /dev/null -w '%{http_code} %{content_type}' "$E/$u")
			case $u in
			*.html) [[ "$r" == "200 text/html"* ]] ;;
			*.tsv) [[ "$r" == "200 text/tab-separated-values"* ]] ;;
			*) false ;;
			esac || { echo "$u: $r"; return 1; }
			if [ "$2" -gt 0 ] && [[ "$u" == *.html ]]; then
				crawl "$u" $(($2 - 1)) || return 1
			fi
		done
	}
	crawl index.html 1000
	# Every file of the site is reachable from the home page.
	grep -vx manifest.txt "$T/site/manifest.txt" | grep -vx index.html >"$T/all"
	sort "$T/seen" | grep -vx index.html | diff - "$T/all"
	# A nightly run: one more download changes a few pages; report lists
	# exactly those, and s3put -r uploads exactly those.
	if s3put -r "$T/site" "s3://$B/" 2>/dev/null; then
		logparse <<<"4283fefc63f0cd0e873a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2e35cb encode-public [05/Mar/2024:12:00:00 +0000] 2001:db8:ffff:1::42 - REQX1 REST.GET.OBJECT 2020/08/27/2111a822-ac35-89db-8bdd-ed6e12fca4ed/ENCFF152HME.bigBed \"GET /encode-public/x HTTP/1.1\" 200 - 5000 5000 100 50 \"-\" \"igv/2.16.2\" - HOSTID= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader encode-public.s3.amazonaws.com TLSv1.2 - -" | pgload
		run -0 --separate-stderr report -o "$T/site"
		sort <<<"$output" >"$T/changed"
		[ "$(wc -l <"$T/changed")" -gt 3 ]
		[ "$(wc -l <"$T/changed")" -lt "$(wc -l <"$T/site/manifest.txt")" ]
		run -0 --separate-stderr s3put -v -r "$T/site" "s3://$B/"
		grep -- ' -> ' <<<"$stderr" | sed "s#.*$T/site/##; s# -> .*##" |
		    sort | diff - "$T/changed"
		web -s "$E/summary.tsv" | grep -qx "$(printf 'downloads\t10')"
	fi
	grep -qx 'f/1.html' "$T/seen"
	grep -qx 'p/2024-01.html' "$T/seen"
	grep -qx 'e/ENCSR552YGL.html' "$T/seen"
}

@test "report: a headless Chromium screenshot of the home page, from the website endpoint" {
	command -v chromium >/dev/null || skip "no chromium (tests/harness/deps)"
	load_fixture
	# More data, so that the charts and tables have something to show.
	"$ROOT/bench/genlogs.py" -n 5000 -s 11 --days 90 --keys 300 \
	    --clients 400 | logparse | pgload
	run -0 --separate-stderr report -o "$T/site"
	B=$(mkwebsite)
	upload_site "$T/site" "$B"
	out=${S3LOGS_TEST_OUTPUT:-$ROOT/tests/output}
	mkdir -p "$out"
	rm -f "$out/report-home.png"
	u=$(mktemp -d)
	run -0 timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --user-data-dir="$u" \
	    --host-resolver-rules="MAP $B.s3-website.localhost 127.0.0.1" \
	    --screenshot="$out/report-home.png" --window-size=1280,1600 \
	    "http://$B.s3-website.localhost:$S3LOGS_S3PORT/"
	rm -rf "$u"
	[ -s "$out/report-home.png" ]
	[ "$(head -c 8 "$out/report-home.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	echo "# screenshot: $out/report-home.png" >&3
}

@test "report: the navigation links the Countries page when the site has one" {
	load_fixture
	mmdb_fixture "$T"
	run -0 --separate-stderr report --geoip-database "$T/country.mmdb" \
	    --geoip-database "$T/asn.mmdb" -o "$T/site"
	[ "$stderr" = "" ]
	[ -f "$T/site/countries.html" ]
	# Every page, top level and below, links it in its navigation bar.
	for p in index.html files.html countries.html p/2024-01.html; do
		sed -n '/<nav>/,/<\/nav>/p' "$T/site/$p" >"$T/nav"
		case $p in
		*/*) grep -qF '<a href="../countries.html">Countries</a>' "$T/nav" ;;
		*) grep -qF '<a href="countries.html">Countries</a>' "$T/nav" ;;
		esac
	done
	# Without a GeoIP database there is no such page and no such link.
	run -0 --separate-stderr report -o "$T/plain"
	[ "$stderr" = "" ]
	[ ! -e "$T/plain/countries.html" ]
	run -1 grep -rlF 'countries.html">Countries<' "$T/plain"
}
