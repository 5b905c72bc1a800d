/*
 * flowstat - a per-flow report of a record stream: addresses, packets,
 * wire and payload bytes each way, times, gaps, retransmissions, how the
 * flow ended, and totals.
 *
 * flowstat [-hprV] [-f format] [-n count] [-o file] [-s key]
 *
 * Without -s the report streams: a flow's row is printed when its
 * FLOW_CLOSE arrives, so memory holds only the flows still open.  With
 * -s every closed flow is kept in a compact array (or, with -n, a heap of
 * the best count) and printed sorted at the end.  With -p the records
 * pass through to stdout and the report goes to stderr or -o file.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_addr.h"
#include "fk_decode.h"
#include "fk_flowrow.h"
#include "fk_hash.h"
#include "fk_io.h"
#include "fk_json.h"
#include "fk_ofile.h"
#include "fk_record.h"
#include "fk_report.h"
#include "fk_stage.h"
#include "fk_util.h"

enum fmt { F_TEXT, F_TSV, F_JSON, F_JSONL };

enum key {
	K_NONE, K_ID, K_START, K_END, K_DURATION, K_PACKETS, K_BYTES,
	K_PAYLOAD, K_GAPS, K_RETRANS
};

static const struct {
	const char *name;
	enum key key;
	int desc;		/* largest first */
} keys[] = {
	{ "bytes", K_BYTES, 1 },
	{ "duration", K_DURATION, 1 },
	{ "end", K_END, 0 },
	{ "gaps", K_GAPS, 1 },
	{ "id", K_ID, 0 },
	{ "packets", K_PACKETS, 1 },
	{ "payload", K_PAYLOAD, 1 },
	{ "retrans", K_RETRANS, 1 },
	{ "start", K_START, 0 },
};

struct dstat {
	uint64_t packets, wire, bytes, gap, retrans;
	uint32_t ooo, overlaps;		/* saturating */
};

struct flow {
	uint64_t id;
	uint64_t first_ns, last_ns;
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan;
	uint8_t family;		/* 0: no FLOW_OPEN was seen */
	uint8_t proto;
	uint8_t reason;		/* 0: still open at the end of input */
	uint8_t nvlan;		/* VLAN tags: 0, 1, 2 */
	uint16_t inner_vlan;
	uint8_t tun_type;	/* 0: not tunneled */
	uint64_t tun_id;
	struct dstat d[2];
};

static enum fmt fmt = F_TEXT;
static enum key sortkey = K_NONE;
static int sortdesc, rflag;
static long long nmax = -1;		/* -n, -1 = all */
static FILE *rep;			/* the report */
static const char *repname = "<stdout>";

static struct fk_idmap open_flows;
static struct flow *kept;		/* -s: closed flows, or the -n heap */
static size_t nkept, capkept;
static uint64_t nprinted;

static struct {
	uint64_t flows, reasons[9];
	struct dstat d[2];
} tot;

/* STATS lines seen, printed with the totals (bounded). */
#define STATS_MAX	(64 * 1024)
static char *stats;
static size_t statslen;
static uint64_t stats_dropped;

static const struct fk_opthelp opthelp[] = {
	{ "-f format", "text (the default), tsv, json or jsonl" },
	{ "-n count", "print at most count rows (the totals count all)" },
	{ "-o file", "write the report to file instead of stdout" },
	{ "-p", "pass every record on; the report goes to stderr or -o" },
	{ "-r", "reverse the order of -s" },
	{ "-s key",
	    "sort by bytes, duration, end, gaps, id, packets, payload," },
	{ "", "retrans or start" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowstat [-hprV] [-f format] [-n count] [-o file] "
	    "[-s key]\n",
	.about = "Report the flows of a record stream: a table with totals.",
	.opts = opthelp,
	.vopt = 'V',
};

static void
check_rep(void)
{
	if (!ferror(rep))
		return;
	if (errno == EPIPE)
		exit(FK_EX_OK);
	err(FK_EX_FAIL, "%s", repname);
}

static uint64_t
sadd(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint32_t
sadd32(uint32_t a, uint64_t b)
{
	return b >= UINT32_MAX - a ? UINT32_MAX : a + (uint32_t)b;
}

static void
seen_ts(struct flow *f, uint64_t ts)
{
	if (ts == 0)
		return;
	if (ts < f->first_ns)
		f->first_ns = ts;
	if (ts > f->last_ns)
		f->last_ns = ts;
}

static uint64_t
duration(const struct flow *f)
{
	if (f->first_ns == UINT64_MAX || f->last_ns < f->first_ns)
		return 0;
	return f->last_ns - f->first_ns;
}

static uint64_t
keyval(const struct flow *f)
{
	switch (sortkey) {
	case K_ID:	return f->id;
	case K_START:	return f->first_ns;
	case K_END:	return f->last_ns;
	case K_DURATION: return duration(f);
	case K_PACKETS:	return sadd(f->d[0].packets, f->d[1].packets);
	case K_BYTES:	return sadd(f->d[0].wire, f->d[1].wire);
	case K_PAYLOAD:	return sadd(f->d[0].bytes, f->d[1].bytes);
	case K_GAPS:	return sadd(f->d[0].gap, f->d[1].gap);
	case K_RETRANS:	return sadd(f->d[0].retrans, f->d[1].retrans);
	case K_NONE:	break;
	}
	return 0;
}

/* <0: a is printed before b. */
static int
cmpflow(const void *pa, const void *pb)
{
	const struct flow *a = pa, *b = pb;
	uint64_t ka = keyval(a), kb = keyval(b);
	int c = 0;

	if (ka != kb)
		c = ka < kb ? -1 : 1;
	if (sortdesc)
		c = -c;
	if (rflag)
		c = -c;
	if (c == 0 && a->id != b->id)
		c = a->id < b->id ? -1 : 1;
	if (c == 0 && a->first_ns != b->first_ns)
		c = a->first_ns < b->first_ns ? -1 : 1;
	return c;
}

/* ---- formatting */

static void
fmt_addr(char *buf, size_t len, const struct flow *f, int side, int withport)
{
	char a[FK_ADDR_STRLEN];

	if (f->family != 4 && f->family != 6) {
		snprintf(buf, len, "-");
		return;
	}
	fk_addr_str(a, sizeof(a), f->family, f->addr[side]);
	if (!withport)
		snprintf(buf, len, "%s", a);
	else if (f->family == 6)
		snprintf(buf, len, "[%s]:%u", a, f->port[side]);
	else
		snprintf(buf, len, "%s:%u", a, f->port[side]);
}

/* A duration in seconds: "0.049012". */
static void
fmt_secs(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%llu.%06llu",
	    (unsigned long long)(ns / 1000000000u),
	    (unsigned long long)(ns % 1000000000u / 1000u));
}

static void
fmt_iso(char *buf, size_t len, uint64_t ns)
{
	if (ns == 0 || ns == UINT64_MAX)
		snprintf(buf, len, "-");
	else
		fk_fmt_time(buf, len, ns);
}

static const char *
reasonname(uint8_t r)
{
	return r == 0 ? "open" : fk_close_reasonname(r);
}

static unsigned long long
ull(uint64_t v)
{
	return (unsigned long long)v;
}

static void
text_header(void)
{
	fprintf(rep, "%-6s %-30s %12s %-23s %-23s %8s %8s %11s %11s "
	    "%11s %11s %9s %9s %s\n", "ID", "START", "DURATION", "A", "B",
	    "PKTS_AB", "PKTS_BA", "BYTES_AB", "BYTES_BA", "DATA_AB", "DATA_BA",
	    "GAP", "RETRANS", "CLOSE");
}

/* The columns after fk_flowrow's: FIELDS in flowstat(1). */
static void
put_counters(struct fk_rowout *r, const struct dstat *d)
{
	fk_row_u64(r, "ab_packets", d[0].packets);
	fk_row_u64(r, "ba_packets", d[1].packets);
	fk_row_u64(r, "ab_wire_bytes", d[0].wire);
	fk_row_u64(r, "ba_wire_bytes", d[1].wire);
	fk_row_u64(r, "ab_payload_bytes", d[0].bytes);
	fk_row_u64(r, "ba_payload_bytes", d[1].bytes);
	fk_row_u64(r, "ab_gap_bytes", d[0].gap);
	fk_row_u64(r, "ba_gap_bytes", d[1].gap);
	fk_row_u64(r, "ab_retrans_bytes", d[0].retrans);
	fk_row_u64(r, "ba_retrans_bytes", d[1].retrans);
	fk_row_u64(r, "ab_ooo_packets", d[0].ooo);
	fk_row_u64(r, "ba_ooo_packets", d[1].ooo);
	fk_row_u64(r, "ab_overlaps", d[0].overlaps);
	fk_row_u64(r, "ba_overlaps", d[1].overlaps);
}

/* One row of -f tsv, json or jsonl (the header if f is NULL). */
static void
put_row(enum fk_rowfmt rf, const struct flow *f)
{
	static const struct flow none;
	struct fk_rowout r;
	struct fk_flowrow w;
	char tun[64];

	if (f == NULL)
		f = &none;
	memset(&w, 0, sizeof(w));
	w.id = f->id;
	w.family = f->family;
	w.proto = f->proto;
	memcpy(w.addr, f->addr, sizeof(w.addr));
	memcpy(w.port, f->port, sizeof(w.port));
	w.nvlan = f->nvlan;
	w.vlan = f->vlan;
	w.inner_vlan = f->inner_vlan;
	w.start_ns = f->first_ns == UINT64_MAX ? 0 : f->first_ns;
	w.end_ns = f->last_ns;
	if (f->tun_type != 0)
		snprintf(tun, sizeof(tun), "%s-%016llx",
		    fk_tunnel_name(f->tun_type), ull(f->tun_id));
	fk_row_begin(&r, rep, rf);
	fk_flowrow_put(&r, &w);
	put_counters(&r, f->d);
	fk_row_str(&r, "close", reasonname(f->reason));
	fk_row_str(&r, "tunnel", f->tun_type != 0 ? tun : NULL);
	fk_row_end(&r);
}

static void
print_flow(const struct flow *f)
{
	char a[64], b[64], t0[48], du[32];

	if (nmax >= 0 && nprinted >= (uint64_t)nmax)
		return;
	nprinted++;
	switch (fmt) {
	case F_TEXT:
		fmt_addr(a, sizeof(a), f, 0, 1);
		fmt_addr(b, sizeof(b), f, 1, 1);
		fmt_iso(t0, sizeof(t0), f->first_ns);
		fmt_secs(du, sizeof(du), duration(f));
		fprintf(rep, "%-6llu %-30s %12s %-23s %-23s %8llu %8llu %11llu "
		    "%11llu %11llu %11llu %9llu %9llu %s\n", ull(f->id), t0, du,
		    a, b, ull(f->d[0].packets), ull(f->d[1].packets),
		    ull(f->d[0].wire), ull(f->d[1].wire), ull(f->d[0].bytes),
		    ull(f->d[1].bytes), ull(sadd(f->d[0].gap, f->d[1].gap)),
		    ull(sadd(f->d[0].retrans, f->d[1].retrans)),
		    reasonname(f->reason));
		break;
	case F_TSV:
		put_row(FK_ROW_TSV, f);
		break;
	case F_JSON:
		fputs(nprinted > 1 ? ",\n  " : "\n  ", rep);
		put_row(FK_ROW_JSON, f);
		break;
	case F_JSONL:	/* rep is line-buffered: each flow as it closes */
		put_row(FK_ROW_JSON, f);
		fputc('\n', rep);
		break;
	}
	check_rep();
}

/* Bytes of a STATS line as text: printable ASCII only. */
static void
put_clean(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fprintf(rep, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, rep);
		else
			fprintf(rep, "\\x%02x", c);
	}
}

/* The end of the STATS line at s. */
static size_t
stats_eol(size_t s)
{
	while (s < statslen && stats[s] != '\n')
		s++;
	return s;
}

/* The length of the key of the STATS line s..e: up to its '='. */
static size_t
stats_keylen(size_t s, size_t e)
{
	const char *eq = memchr(stats + s, '=', e - s);

	return eq != NULL ? (size_t)(eq - (stats + s)) : e - s;
}

/*
 * The STATS lines "stage.key=value" as JSON members "stage.key": value,
 * a number when value is a whole decimal number that fits 64 bits, else
 * a string (null: no '=').  A key seen again later is left out here: the
 * last value counts (flowkit-records(5)).  At most STATS_MAX bytes of
 * lines: quadratic in their count only on hostile input.
 */
static void
print_stats_json(void)
{
	size_t s, e, s2, e2, k, v;
	int first = 1, later;

	for (s = 0; s < statslen; s = e + 1) {
		e = stats_eol(s);
		if (e == s)
			continue;
		k = stats_keylen(s, e);
		later = 0;
		for (s2 = e + 1; s2 < statslen && !later; s2 = e2 + 1) {
			e2 = stats_eol(s2);
			later = stats_keylen(s2, e2) == k &&
			    memcmp(stats + s, stats + s2, k) == 0;
		}
		if (later)
			continue;
		fprintf(rep, "%s\n  ", first ? "" : ",");
		first = 0;
		fk_json_str(rep, stats + s, k);
		fputs(": ", rep);
		if (k == e - s) {
			fputs("null", rep);
			continue;
		}
		v = s + k + 1;
		if (e > v && e - v <= 20 && strspn(stats + v, "0123456789") >=
		    e - v && (e - v < 20 || memcmp(stats + v,
		    "18446744073709551615", 20) <= 0) &&
		    (stats[v] != '0' || e - v == 1))
			fwrite(stats + v, 1, e - v, rep);
		else
			fk_json_str(rep, stats + v, e - v);
	}
	if (!first)
		fputs("\n ", rep);
}

static void
print_totals(void)
{
	struct dstat *a = &tot.d[0], *b = &tot.d[1];
	struct fk_rowout r;
	size_t i, s, e;
	int first = 1;

	switch (fmt) {
	case F_TEXT:
		fprintf(rep, "\nflows %llu (", ull(tot.flows));
		for (i = 0; i < FK_ARRAY_LEN(tot.reasons); i++)
			if (tot.reasons[i]) {
				fprintf(rep, "%s%s %llu", first ? "" : ", ",
				    i == 8 ? "other" : reasonname((uint8_t)i),
				    ull(tot.reasons[i]));
				first = 0;
			}
		fprintf(rep, ")%s\n", nmax >= 0 && nprinted < tot.flows ?
		    ", rows limited by -n" : "");
		fprintf(rep, "%-10s %14s %14s %14s\n", "", "A->B", "B->A",
		    "TOTAL");
#define ROW(label, field) fprintf(rep, "%-10s %14llu %14llu %14llu\n", \
	    label, ull(a->field), ull(b->field), ull(sadd(a->field, b->field)))
		ROW("packets", packets);
		ROW("bytes", wire);
		ROW("data", bytes);
		ROW("gap", gap);
		ROW("retrans", retrans);
		ROW("ooo", ooo);
		ROW("overlaps", overlaps);
#undef ROW
		if (statslen > 0 || stats_dropped)
			fputs("\nstats\n", rep);
		for (s = 0; s < statslen; s = e + 1) {
			for (e = s; e < statslen && stats[e] != '\n'; e++)
				continue;
			fputs("  ", rep);
			put_clean(stats + s, e - s);
			fputc('\n', rep);
		}
		if (stats_dropped)
			fprintf(rep, "  (%llu more STATS bytes not shown)\n",
			    ull(stats_dropped));
		break;
	case F_TSV:
		break;
	case F_JSON:
		fputs("\n ],\n \"totals\": ", rep);
		fk_row_begin(&r, rep, FK_ROW_JSON);
		fk_row_u64(&r, "flows", tot.flows);
		fk_row_field(&r, "close");
		fputc('{', rep);
		for (i = 0; i < FK_ARRAY_LEN(tot.reasons); i++)
			if (tot.reasons[i]) {
				fprintf(rep, "%s\"%s\": %llu", first ? "" : ", ",
				    i == 8 ? "other" : reasonname((uint8_t)i),
				    ull(tot.reasons[i]));
				first = 0;
			}
		fputc('}', rep);
		put_counters(&r, tot.d);
		fk_row_end(&r);
		fputs(",\n \"stats\": {", rep);
		print_stats_json();
		fputs("}\n}\n", rep);
		break;
	case F_JSONL:
		break;
	}
	check_rep();
}

/* ---- flows */

static struct flow *
getflow(uint64_t id)
{
	int added;
	struct flow *f = fk_idmap_obtain(&open_flows, id, sizeof(*f), &added);

	if (added) {
		f->id = id;
		f->first_ns = UINT64_MAX;
	}
	return f;
}

static void
heap_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct flow t;

		/* The root is the flow printed last: a max-heap by cmpflow. */
		if (l < nkept && cmpflow(&kept[l], &kept[m]) > 0)
			m = l;
		if (r < nkept && cmpflow(&kept[r], &kept[m]) > 0)
			m = r;
		if (m == i)
			return;
		t = kept[i];
		kept[i] = kept[m];
		kept[m] = t;
		i = m;
	}
}

static void
heap_up(size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct flow t;

		if (cmpflow(&kept[i], &kept[p]) <= 0)
			return;
		t = kept[i];
		kept[i] = kept[p];
		kept[p] = t;
		i = p;
	}
}

static void
keep(const struct flow *f)
{
	if (nmax >= 0 && nkept == (size_t)nmax) {
		/* Full heap: replace the last-printed flow if f beats it. */
		if (nmax > 0 && cmpflow(f, &kept[0]) < 0) {
			kept[0] = *f;
			heap_down(0);
		}
		return;
	}
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 1024;
		kept = fk_reallocarray(kept, capkept, sizeof(*kept));
	}
	kept[nkept++] = *f;
	if (nmax >= 0)
		heap_up(nkept - 1);
}

/* A flow is complete (closed, or open at the end): count and print it. */
static void
finish(struct flow *f)
{
	fk_idmap_del(&open_flows, f->id);
	tot.flows++;
	tot.reasons[f->reason < 8 ? f->reason : 8]++;
	for (int d = 0; d < 2; d++) {
		tot.d[d].packets = sadd(tot.d[d].packets, f->d[d].packets);
		tot.d[d].wire = sadd(tot.d[d].wire, f->d[d].wire);
		tot.d[d].bytes = sadd(tot.d[d].bytes, f->d[d].bytes);
		tot.d[d].gap = sadd(tot.d[d].gap, f->d[d].gap);
		tot.d[d].retrans = sadd(tot.d[d].retrans, f->d[d].retrans);
		tot.d[d].ooo = sadd32(tot.d[d].ooo, f->d[d].ooo);
		tot.d[d].overlaps = sadd32(tot.d[d].overlaps, f->d[d].overlaps);
	}
	if (sortkey == K_NONE)
		print_flow(f);
	else
		keep(f);
	free(f);
}

static void
on_open(struct fk_stage *sg, const struct fk_open *o)
{
	struct flow *f = fk_idmap_get(&open_flows, o->flow_id);

	if (f != NULL)		/* the id again before its close */
		finish(f);
	f = getflow(o->flow_id);
	f->family = o->family;
	memcpy(f->addr[0], o->addr_a, 16);
	memcpy(f->addr[1], o->addr_b, 16);
	f->port[0] = o->port_a;
	f->port[1] = o->port_b;
	f->proto = o->proto;
	f->nvlan = (o->flags & FK_OPEN_F_VLAN) == 0 ? 0 :
	    (o->flags & FK_OPEN_F_VLAN2) ? 2 : 1;
	f->vlan = o->vlan;
	f->inner_vlan = o->vlan_inner;
	f->tun_type = (o->flags & FK_OPEN_F_TUNNEL) ? o->tun_type : 0;
	f->tun_id = o->tun_id;
	seen_ts(f, o->ts_ns);
}

static void
on_close(struct fk_stage *sg, const struct fk_close *c)
{
	struct flow *f = getflow(c->flow_id);

	if (f == NULL)
		return;
	f->reason = c->reason ? c->reason : 7;
	for (int d = 0; d < 2; d++) {
		const struct fk_dirstats *s = &c->dir[d];

		f->d[d].packets = s->packets;
		f->d[d].wire = s->wire_bytes;
		f->d[d].bytes = s->bytes;
		f->d[d].gap = s->gap_bytes;
		f->d[d].retrans = s->retrans_bytes;
		f->d[d].ooo = sadd32(0, s->ooo_packets);
		f->d[d].overlaps = sadd32(0, s->overlaps);
		if (s->packets > 0)
			seen_ts(f, s->last_ts_ns);
	}
	seen_ts(f, c->ts_ns);
	finish(f);
}

static void
on_stats(struct fk_stage *sg, const struct fk_stats *st)
{
	size_t n = st->len;

	if (statslen + n + 1 > STATS_MAX) {
		stats_dropped = sadd(stats_dropped, n);
		return;
	}
	if (stats == NULL)
		stats = fk_malloc(STATS_MAX);
	memcpy(stats + statslen, st->text, n);
	statslen += n;
	if (n > 0 && stats[statslen - 1] != '\n')
		stats[statslen++] = '\n';
}

static void
on_data(struct fk_stage *sg, const struct fk_data *d)
{
	struct flow *f;

	if ((f = getflow(d->flow_id)) != NULL) {
		f->d[d->dir].bytes = sadd(f->d[d->dir].bytes, d->len);
		seen_ts(f, d->ts_ns);
	}
}

static void
on_gap(struct fk_stage *sg, const struct fk_gap *g)
{
	struct flow *f;

	if ((f = getflow(g->flow_id)) != NULL)
		f->d[g->dir].gap = sadd(f->d[g->dir].gap, g->len);
}

static void
on_overlap(struct fk_stage *sg, const struct fk_overlap *v)
{
	struct flow *f;

	if ((f = getflow(v->flow_id)) != NULL)
		f->d[v->dir].overlaps = sadd32(f->d[v->dir].overlaps, 1);
}

static const struct fk_stage_ops ops = {
	.lengths_only = 1,
	.open = on_open, .data = on_data, .gap = on_gap,
	.overlap = on_overlap, .close = on_close, .stats = on_stats,
	.needs = "stream records in the input: put reasm before flowstat",
};

/* Flows without a FLOW_CLOSE at the end of input, in id order. */
static void
finish_open(void)
{
	size_t i, n;
	void **v = fk_idmap_sorted(&open_flows, &n);

	for (i = 0; i < n; i++)
		finish((struct flow *)v[i]);
	free(v);
}

int
main(int argc, char *argv[])
{
	struct fk_in in;
	struct fk_out out;
	const char *ofile = NULL;
	struct fk_report report;
	int ch, pflag = 0;
	size_t i;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "Vf:hn:o:prs:")) != -1)
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = F_TEXT;
			else if (strcmp(optarg, "tsv") == 0)
				fmt = F_TSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = F_JSON;
			else if (strcmp(optarg, "jsonl") == 0)
				fmt = F_JSONL;
			else {
				warnx("-f: text, tsv, json or jsonl, not %s",
				    optarg);
				fk_usage();
			}
			break;
		case 'n':
			nmax = fk_strtonum(optarg, 0, 1000000000, "-n");
			break;
		case 'o':
			ofile = optarg;
			break;
		case 'p':
			pflag = 1;
			break;
		case 'r':
			rflag = 1;
			break;
		case 's':
			for (i = 0; i < FK_ARRAY_LEN(keys); i++)
				if (strcmp(optarg, keys[i].name) == 0)
					break;
			if (i == FK_ARRAY_LEN(keys)) {
				warnx("-s: unknown key %s", optarg);
				fk_usage();
			}
			sortkey = keys[i].key;
			sortdesc = keys[i].desc;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	if (optind != argc)
		fk_usage();
	if (rflag && sortkey == K_NONE)
		errx(FK_EX_USAGE, "-r needs -s");

	if (ofile != NULL) {
		fk_report_open(&report, ofile);
		rep = report.f;
		repname = report.name;
	} else if (pflag) {
		rep = stderr;
		repname = "<stderr>";
	} else
		rep = stdout;

	fk_hash_seed_init();
	fk_idmap_init(&open_flows);
	fk_in_open(&in, 0, "<stdin>");
	if (pflag)	/* asked for: into a file too, EPIPE stops only it */
		fk_out_open_pass(&out, 1, "<stdout>", 1);
	if (fmt == F_TEXT)
		text_header();
	else if (fmt == F_TSV)
		put_row(FK_ROW_HEADER, NULL);
	else if (fmt == F_JSON)
		fputs("{\"flows\": [", rep);
	else		/* JSON Lines: each flow is written as it closes */
		setvbuf(rep, NULL, _IOLBF, 0);
	check_rep();

	fk_stage_run(&in, pflag ? &out : NULL, &ops, NULL);
	finish_open();
	if (sortkey != K_NONE) {
		qsort(kept, nkept, sizeof(*kept), cmpflow);
		for (i = 0; i < nkept; i++)
			print_flow(&kept[i]);
	}
	print_totals();
	if (ofile != NULL)
		fk_report_close(&report, fk_in_cut(&in) == 1);
	else if (rep == stdout)
		fk_stdout_check();
	else if (fflush(rep) == EOF)
		err(FK_EX_FAIL, "%s", repname);
	if (pflag)
		fk_out_close(&out);
	fk_in_close(&in);
	free(kept);
	free(stats);
	fk_idmap_free(&open_flows);
	return fk_io_exit(&in, FK_EX_OK);
}
