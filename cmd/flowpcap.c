/*
 * flowpcap - the flow table of TCP and UDP packets: list it, select
 * flows (ids, address/prefix, port range, protocol) and write their
 * packets back to pcap files, as framed payloads, or (UDP) as one
 * payload file per direction.  PACKET records in; every record passes
 * through.  See flowpcap(1).
 *
 * Flows are numbered from 1 in the order of their first packets, TCP
 * and UDP alike.  The table is bounded like reasm's: an idle timeout in
 * capture time (-t) and a flow cap (-n) that ends the least recently
 * active flow; a pure SYN with a new ISN on a TCP flow, or any pure SYN
 * after it ended (RST, FIN both ways), starts a new flow (port reuse).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "fk_addr.h"
#include "fk_flowkey.h"
#include "fk_hash.h"
#include "fk_io.h"
#include "fk_flowrow.h"
#include "fk_list.h"
#include "fk_l4.h"
#include "fk_name.h"
#include "fk_ofile.h"
#include "fk_pcapw.h"
#include "fk_record.h"
#include "fk_stage.h"
#include "fk_util.h"

#define NS		1000000000ULL
#define FRAME_HDR	16

enum fmt { F_PCAP, F_FRAMED, F_PAYLOAD };

/* One pcap file, and the next for another link type. */
struct sink {
	struct fk_ofile f;
	uint32_t linktype;
	uint8_t started, ns, regular;
	struct sink *next;
};

struct flow {
	struct fk_flowent ent;		/* key and hash chain: first */
	struct fk_link lru;		/* on `lru`, first = least recent */
	struct fk_open o;		/* A/B endpoints, as reasm's FLOW_OPEN */
	uint8_t a_is_0;			/* A is key endpoint 0 */
	uint8_t selected;
	uint8_t ended;			/* TCP: RST, or FIN both ways */
	uint8_t syn_seen[2], fin_seen[2];
	uint32_t isn[2];
	uint64_t seen;			/* idle clock when last active */
	uint64_t packets, bytes, payload, last_ts, written;
	struct sink *sinks;		/* -o, pcap */
	struct fk_ofile *ff;		/* -o, framed */
	struct fk_ofile *pf[2];		/* -o, payload per direction */
};

/* A finished flow, for -l. */
struct row {
	struct fk_open o;
	uint64_t packets, bytes, payload, last_ts;
};

/* Selection. */
struct prefix {
	uint8_t family, len;
	uint8_t addr[16];
};
static struct prefix *prefixes;
static size_t nprefixes;
static struct { uint16_t lo, hi; } *ports;
static size_t nports;
static uint64_t *ids;
static size_t nids;
static int sel_proto;

static enum fmt fmt = F_PCAP;
static const char *wpath, *odir_path, *tmpl;
static uint64_t maxpk, maxflows = 1000000, idle_ns = 300 * NS;
static int list, pass;

static struct fk_out out;
static struct fk_odir odir;
static struct sink *wsinks;		/* -w pcap */
static struct fk_ofile wfile;		/* -w framed */
static int wfile_open;
static struct fk_idmap names;		/* payload names created this run */

static struct fk_flowtab table;
static struct fk_list lru;	/* flows, least recently active first */
static uint64_t next_id = 1;
static struct fk_idleclock clk;
static struct row *rows;
static size_t nrows, rowcap;

static struct {
	uint64_t packets, tcp, udp, flows, selected, written, over_max;
	uint64_t cut_bytes, reuse, timeouts, evictions, lt_dropped, ns_lost;
	uint64_t skip[FK_L4_NERR];
} st;
static int failed;
static uint32_t first_lt = 1;		/* link type of the first PACKET */
static int any_packet;

static const struct fk_opthelp opthelp[] = {
	{ "-a addr[/len]", "select flows with an endpoint in this prefix" },
	{ "-F ids", "select flows by id, a comma-separated list" },
	{ "-f format", "pcap (the default), framed or payload" },
	{ "-l", "list the selected flows on stdout when the input ends" },
	{ "-m packets", "write at most the first packets of each flow" },
	{ "-n maxflows",
	    "at most this many flows in the table (default 1000000)" },
	{ "-o dir", "write one file per selected flow below dir" },
	{ "-P proto", "select tcp or udp flows" },
	{ "-p port[-port]", "select flows with an endpoint port in the range" },
	{ "-T template", "names of payload files, as flowname -T" },
	{ "-t seconds", "end flows idle this long (default 300; 0: never)" },
	{ "-w file", "write every selected flow into file; - is stdout" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowpcap [-hlV] [-a addr[/len]] [-F ids] [-f format] "
	    "[-m packets]\n"
	    "                [-n maxflows] [-o dir] [-P proto] "
	    "[-p port[-port]]\n"
	    "                [-T template] [-t seconds] [-w file]\n",
	.about =
	    "List TCP and UDP flows and write selected flows back to pcap.",
	.opts = opthelp,
	.vopt = 'V',
};

/* Option parsing. */

static void
add_prefix(const char *arg)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct prefix p;
	char *slash;
	int max;

	if (strlen(arg) >= sizeof(buf))
		errx(FK_EX_USAGE, "-a %s: not an address", arg);
	strcpy(buf, arg);
	memset(&p, 0, sizeof(p));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, p.addr) == 1)
		p.family = 4;
	else if (inet_pton(AF_INET6, buf, p.addr) == 1)
		p.family = 6;
	else
		errx(FK_EX_USAGE, "-a %s: not an IPv4 or IPv6 address", arg);
	max = p.family == 4 ? 32 : 128;
	p.len = (uint8_t)(slash ? fk_strtonum(slash, 0, max, "-a prefix "
	    "length") : max);
	prefixes = fk_reallocarray(prefixes, nprefixes + 1, sizeof(p));
	prefixes[nprefixes++] = p;
}

static void
add_ports(const char *arg)
{
	char buf[32];
	char *dash;
	long long lo, hi;

	if (strlen(arg) >= sizeof(buf))
		errx(FK_EX_USAGE, "-p %s: not a port or range", arg);
	strcpy(buf, arg);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	lo = fk_strtonum(buf, 0, 65535, "-p");
	hi = dash ? fk_strtonum(dash, 0, 65535, "-p") : lo;
	if (hi < lo)
		errx(FK_EX_USAGE, "-p %s: range ends before it starts", arg);
	ports = fk_reallocarray(ports, nports + 1, sizeof(*ports));
	ports[nports].lo = (uint16_t)lo;
	ports[nports].hi = (uint16_t)hi;
	nports++;
}

static void
add_ids(const char *arg)
{
	char *s = fk_strdup(arg), *p, *save = NULL;

	for (p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		ids = fk_reallocarray(ids, nids + 1, sizeof(*ids));
		ids[nids++] = (uint64_t)fk_strtonum(p, 1, INT64_MAX, "-F");
	}
	if (nids == 0)
		errx(FK_EX_USAGE, "-F %s: no flow id", arg);
	free(s);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Selection: options AND together, repeats of one option OR. */

static int
prefix_has(const struct prefix *p, int family, const uint8_t *a)
{
	unsigned n = p->len / 8, r = p->len % 8;

	if (p->family != family || memcmp(p->addr, a, n) != 0)
		return 0;
	return r == 0 || ((p->addr[n] ^ a[n]) & (0xff00 >> r)) == 0;
}

static int
selected(const struct fk_flowkey *k, uint64_t id)
{
	size_t i;
	int ok;

	if (sel_proto && k->proto != sel_proto)
		return 0;
	if (nids > 0 && bsearch(&id, ids, nids, sizeof(*ids), cmp_u64) == NULL)
		return 0;
	for (ok = nprefixes == 0, i = 0; !ok && i < nprefixes; i++)
		ok = prefix_has(&prefixes[i], k->family, k->addr[0]) ||
		    prefix_has(&prefixes[i], k->family, k->addr[1]);
	if (!ok)
		return 0;
	for (ok = nports == 0, i = 0; !ok && i < nports; i++)
		ok = (k->port[0] >= ports[i].lo && k->port[0] <= ports[i].hi) ||
		    (k->port[1] >= ports[i].lo && k->port[1] <= ports[i].hi);
	return ok;
}

/* pcap sinks: a file per link type. */

/* "x.pcap" -> "x.lt113.pcap"; "x" -> "x.lt113". */
static char *
sibling_name(const char *base, uint32_t lt)
{
	const char *dot = strrchr(base, '.'), *slash = strrchr(base, '/');
	size_t n = strlen(base) + 32;
	char *s = fk_malloc(n);

	if (dot == NULL || dot == base || (slash && dot < slash) ||
	    dot[-1] == '/')
		snprintf(s, n, "%s.lt%u", base, lt);
	else
		snprintf(s, n, "%.*s.lt%u%s", (int)(dot - base), base, lt, dot);
	return s;
}

static struct sink *
sink_new(const char *name, uint32_t lt, int below)
{
	struct sink *s = fk_calloc(1, sizeof(*s));
	struct stat sb;
	int fd;

	s->linktype = lt;
	if (below) {
		fk_ofile_init(&s->f, name);
		s->regular = 1;
		return s;
	}
	if (strcmp(name, "-") == 0) {
		fk_ofile_pin(&s->f, 1, "<stdout>");
	} else {
		if ((fd = fk_open_named(name, O_RDWR | O_CREAT | O_TRUNC)) < 0)
			err(FK_EX_FAIL, "%s", name);
		fk_ofile_pin(&s->f, fd, name);
	}
	/* stdout may be a file, but not one open for reading: never rewritten */
	s->regular = s->f.fd != 1 && fstat(s->f.fd, &sb) == 0 &&
	    S_ISREG(sb.st_mode);
	return s;
}

/* Make a microsecond file nanosecond, or say why it stays so. */
static void
sink_to_ns(struct fk_odir *od, struct sink *s)
{
	int fl;

	if (!s->regular) {
		if (st.ns_lost++ == 0)
			warnx("%s: not a regular file: nanosecond timestamps "
			    "cut to microseconds", s->f.name);
		return;
	}
	/* its own descriptor (reopened if evicted: a failure is warned
	 * about and the file's writes dropped), not appending meanwhile */
	if (!s->f.pinned && fk_ofile_open(od, &s->f) < 0)
		return;
	fk_ofile_flush(&s->f);
	if ((fl = fcntl(s->f.fd, F_GETFL)) < 0 || ((fl & O_APPEND) &&
	    fcntl(s->f.fd, F_SETFL, fl & ~O_APPEND) < 0) ||
	    fk_pcapw_to_ns(s->f.fd, s->f.size) < 0 ||
	    ((fl & O_APPEND) && fcntl(s->f.fd, F_SETFL, fl) < 0))
		err(FK_EX_FAIL, "%s: rewriting as nanosecond pcap", s->f.name);
	s->ns = 1;
}

static void
sink_put(struct fk_odir *od, struct sink **head, const char *base, int below,
    const struct fk_packet *pk)
{
	uint8_t h[FK_PCAPW_HDR_LEN], r[FK_PCAPW_REC_LEN];
	struct sink *s, **pp;

	for (pp = head; (s = *pp) != NULL; pp = &s->next)
		if (s->linktype == pk->linktype)
			break;
	if (s == NULL) {
		if (*head != NULL && !below && strcmp(base, "-") == 0) {
			if (st.lt_dropped++ == 0)
				warnx("-w -: packets of link type %u after "
				    "link type %u: not written (write to a "
				    "file)", pk->linktype, (*head)->linktype);
			failed = 1;
			return;
		}
		if (*head == NULL)
			s = sink_new(base, pk->linktype, below);
		else {
			char *n = sibling_name(base, pk->linktype);

			s = sink_new(n, pk->linktype, below);
			free(n);
		}
		*pp = s;
	}
	if (s->f.failed)
		return;
	if (!s->started) {
		s->ns = (uint8_t)fk_pcapw_needs_ns(pk->ts_ns);
		fk_pcapw_hdr(h, pk->linktype, s->ns);
		if (fk_ofile_write(od, &s->f, h, sizeof(h)) < 0)
			return;
		s->started = 1;
	} else if (!s->ns && fk_pcapw_needs_ns(pk->ts_ns))
		sink_to_ns(od, s);
	fk_pcapw_rec(r, pk->ts_ns, pk->caplen, pk->origlen, s->ns);
	if (fk_ofile_write(od, &s->f, r, sizeof(r)) == 0)
		fk_ofile_write(od, &s->f, pk->data, pk->caplen);
}

static void
sinks_free(struct fk_odir *od, struct sink *s)
{
	struct sink *n;

	for (; s != NULL; s = n) {
		n = s->next;
		if (s->f.pinned) {
			fk_ofile_flush(&s->f);
			if (s->f.fd != 1)
				fk_close_checked(s->f.fd, s->f.name);
			free(s->f.buf);
		}
		fk_ofile_free(od, &s->f);
		free(s);
	}
}

/* Framed payload: {u64 ts_ns, u32 length, u32 stream id} + bytes, LE. */
static void
frame_put(struct fk_odir *od, struct fk_ofile *f, const struct flow *fl,
    int d, const struct fk_packet *pk, const struct fk_pkt *k)
{
	uint8_t h[FRAME_HDR];

	fk_put64(h, pk->ts_ns);
	fk_put32(h + 8, k->payload_len);
	fk_put32(h + 12, (uint32_t)(fl->o.flow_id & 0x7fffffff) |
	    (uint32_t)d << 31);
	if (fk_ofile_write(od, f, h, sizeof(h)) == 0)
		fk_ofile_write(od, f, k->payload, k->payload_len);
}

/* Payload files: one per UDP direction, named by the template. */
static struct fk_ofile *
payload_file(struct flow *f, int d)
{
	char name[FK_NAME_MAX];
	struct fk_name_vars v;
	struct fk_ofile *o;
	uint64_t h;

	if (f->pf[d] != NULL)
		return f->pf[d];
	memset(&v, 0, sizeof(v));
	o = fk_calloc(1, sizeof(*o));
	if (fk_name_expand(name, sizeof(name), tmpl ? tmpl : FK_NAME_TEMPLATE,
	    &f->o, d, &v) < 0) {
		warnx("flow %llu: template gives no safe name; skipping its "
		    "direction %d", (unsigned long long)f->o.flow_id, d);
		fk_ofile_init(o, "-");
		o->failed = 1;
		failed = 1;
		return f->pf[d] = o;
	}
	fk_ofile_init(o, name);
	/* A name an earlier flow created is appended to, not truncated. */
	h = fk_hash(name, strlen(name)) | 1;
	if (fk_idmap_get(&names, h) != NULL)
		o->created = 1;
	else
		fk_idmap_put(&names, h, o);
	return f->pf[d] = o;
}

static void
output(struct flow *f, int d, const struct fk_packet *pk,
    const struct fk_pkt *k)
{
	char name[64];

	if (maxpk && f->written >= maxpk) {
		st.over_max++;
		return;
	}
	f->written++;
	st.written++;
	if (k->payload_len < k->seg_len)
		st.cut_bytes += k->seg_len - k->payload_len;
	if (wpath != NULL) {
		if (fmt == F_PCAP)
			sink_put(NULL, &wsinks, wpath, 0, pk);
		else if (k->payload_len > 0)
			frame_put(NULL, &wfile, f, d, pk, k);
	}
	if (odir_path == NULL)
		return;
	switch (fmt) {
	case F_PCAP:
		snprintf(name, sizeof(name), "flow%04llu.pcap",
		    (unsigned long long)f->o.flow_id);
		sink_put(&odir, &f->sinks, name, 1, pk);
		break;
	case F_FRAMED:
		if (k->payload_len == 0)
			break;
		if (f->ff == NULL) {
			snprintf(name, sizeof(name), "flow%04llu.framed",
			    (unsigned long long)f->o.flow_id);
			f->ff = fk_calloc(1, sizeof(*f->ff));
			fk_ofile_init(f->ff, name);
		}
		frame_put(&odir, f->ff, f, d, pk, k);
		break;
	case F_PAYLOAD:
		if (f->ent.key.proto == FK_PROTO_UDP && k->payload_len > 0)
			fk_ofile_write(&odir, payload_file(f, d), k->payload,
			    k->payload_len);
		break;
	}
}

/* The flow table. */

/* The least recently active flow, or NULL. */
static struct flow *
lru_first(void)
{
	return FK_LIST_FIRST(&lru, struct flow, lru);
}

static struct flow *
lookup(const struct fk_flowkey *k)
{
	return (struct flow *)fk_flowtab_get(&table, k);
}

static void
flow_end(struct flow *f)
{
	int d;

	if (f->selected && list) {
		if (nrows == rowcap) {
			rowcap = rowcap ? rowcap * 2 : 256;
			rows = fk_reallocarray(rows, rowcap, sizeof(*rows));
		}
		rows[nrows].o = f->o;
		rows[nrows].packets = f->packets;
		rows[nrows].bytes = f->bytes;
		rows[nrows].payload = f->payload;
		rows[nrows].last_ts = f->last_ts;
		nrows++;
	}
	sinks_free(&odir, f->sinks);
	if (f->ff) {
		fk_ofile_free(&odir, f->ff);
		free(f->ff);
	}
	for (d = 0; d < 2; d++)
		if (f->pf[d]) {
			fk_ofile_free(&odir, f->pf[d]);
			free(f->pf[d]);
		}
	fk_flowtab_del(&table, &f->ent);
	fk_list_remove(&lru, &f->lru);
	free(f);
}

static struct flow *
flow_new(const struct fk_flowkey *key, int fwd, const struct fk_pkt *k,
    uint8_t proto, const struct fk_packet *pk)
{
	struct flow *f;
	struct fk_open *o;
	int sender_is_a = 1, a;
	size_t alen = key->family == 4 ? 4 : 16;

	while (table.count >= maxflows) {
		st.evictions++;
		flow_end(lru_first());
	}
	f = fk_calloc(1, sizeof(*f));
	f->ent.key = *key;
	o = &f->o;
	o->flow_id = next_id++;
	o->ts_ns = pk->ts_ns;
	o->family = key->family;
	o->proto = proto;
	o->opener = FK_OPEN_MIDSTREAM;
	if (proto == FK_PROTO_TCP) {
		/* as reasm: A sent the SYN, or received the SYN+ACK */
		if ((k->tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) == FK_TCP_SYN)
			o->opener = FK_OPEN_SYN;
		else if ((k->tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) ==
		    (FK_TCP_SYN | FK_TCP_ACK)) {
			o->opener = FK_OPEN_SYNACK;
			sender_is_a = 0;
		}
	}
	f->a_is_0 = (uint8_t)(sender_is_a ? fwd : !fwd);
	a = f->a_is_0 ? 0 : 1;
	o->vlan = key->vlan[0];
	o->vlan_inner = key->vlan[1];
	if (key->nvlan >= 1)
		o->flags |= FK_OPEN_F_VLAN;
	if (key->nvlan >= 2)
		o->flags |= FK_OPEN_F_VLAN2;
	o->port_a = key->port[a];
	o->port_b = key->port[!a];
	memcpy(o->addr_a, key->addr[a], alen);
	memcpy(o->addr_b, key->addr[!a], alen);
	if (k->flags & FK_PKT_F_ETH) {
		o->flags |= FK_OPEN_F_ETH;
		memcpy(o->eth_a, sender_is_a ? k->src_mac : k->dst_mac, 6);
		memcpy(o->eth_b, sender_is_a ? k->dst_mac : k->src_mac, 6);
	}
	o->ifindex = pk->ifindex;
	f->selected = (uint8_t)selected(key, o->flow_id);
	st.flows++;
	st.selected += f->selected;
	fk_flowtab_add(&table, &f->ent);
	fk_list_append(&lru, &f->lru);
	return f;
}

static void
expire(void)
{
	if (idle_ns == 0)
		return;
	while (lru_first() != NULL && lru_first()->seen + idle_ns < clk.now) {
		st.timeouts++;
		flow_end(lru_first());
	}
}

/* Does a pure SYN start a new connection on this TCP flow? */
static int
syn_is_new(const struct flow *f, int d, uint32_t seq)
{
	return f->ended || (f->syn_seen[d] && f->isn[d] != seq);
}

static void
packet(struct fk_stage *sg, const struct fk_packet *pk)
{
	struct fk_pkt k;
	struct fk_flowkey key;
	struct flow *f;
	uint8_t proto;
	int e, fwd, d;

	if (!any_packet++)
		first_lt = pk->linktype;
	st.packets++;
	e = fk_l4_decode(pk->linktype, pk->data, pk->caplen, pk->origlen, &k,
	    &proto);
	if (e != 0) {
		st.skip[e]++;
		return;
	}
	if (proto == FK_PROTO_TCP)
		st.tcp++;
	else
		st.udp++;
	fk_idleclock_tick(&clk, pk->ts_ns);
	expire();
	fwd = fk_flowkey_make(&key, &k, proto);
	f = lookup(&key);
	if (f != NULL && proto == FK_PROTO_TCP &&
	    (k.tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) == FK_TCP_SYN &&
	    syn_is_new(f, fwd == f->a_is_0 ? FK_DIR_AB : FK_DIR_BA, k.seq)) {
		st.reuse++;
		flow_end(f);
		f = NULL;
	}
	if (f == NULL)
		f = flow_new(&key, fwd, &k, proto, pk);
	d = fwd == f->a_is_0 ? FK_DIR_AB : FK_DIR_BA;
	f->packets++;
	f->bytes += pk->origlen;
	f->payload += k.seg_len;
	if (pk->ts_ns > f->last_ts)
		f->last_ts = pk->ts_ns;
	f->seen = clk.now;
	if (proto == FK_PROTO_TCP) {
		if ((k.tcp_flags & FK_TCP_SYN) && !f->syn_seen[d]) {
			f->syn_seen[d] = 1;
			f->isn[d] = k.seq;
		}
		if (k.tcp_flags & FK_TCP_FIN)
			f->fin_seen[d] = 1;
		if ((k.tcp_flags & FK_TCP_RST) ||
		    (f->fin_seen[0] && f->fin_seen[1]))
			f->ended = 1;
	}
	if (f->selected)
		output(f, d, pk, &k);
	fk_list_move_to_tail(&lru, &f->lru);
}

/* -l: the table as TSV, by flow id. */

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->o.flow_id < y->o.flow_id ? -1 : x->o.flow_id > y->o.flow_id;
}

/* One row of -l (the header if r is NULL): FIELDS in flowpcap(1). */
static void
put_row(enum fk_rowfmt rf, const struct row *r)
{
	static const struct row none;
	struct fk_rowout ro;
	struct fk_flowrow w;

	if (r == NULL)
		r = &none;
	fk_flowrow_open(&w, &r->o);
	w.end_ns = r->last_ts;
	fk_row_begin(&ro, stdout, rf);
	fk_flowrow_put(&ro, &w);
	fk_row_u64(&ro, "packets", r->packets);
	fk_row_u64(&ro, "wire_bytes", r->bytes);
	fk_row_u64(&ro, "payload_bytes", r->payload);
	fk_row_end(&ro);
}

static void
print_list(void)
{
	size_t i;

	if (nrows > 0)
		qsort(rows, nrows, sizeof(*rows), row_cmp);
	put_row(FK_ROW_HEADER, NULL);
	for (i = 0; i < nrows; i++)
		put_row(FK_ROW_TSV, &rows[i]);
	fk_stdout_check();
}

static void
stats(void)
{
	struct fk_statsbuf sb;
	int i;

	fk_stats_begin(&sb, "flowpcap");
	fk_stats_add(&sb, st.packets, "packets");
	fk_stats_add(&sb, st.tcp, "tcp");
	fk_stats_add(&sb, st.udp, "udp");
	for (i = 1; i < FK_L4_NERR; i++)
		if (st.skip[i])
			fk_stats_add(&sb, st.skip[i], "skipped.%s",
			    fk_l4_errname(i));
	fk_stats_add(&sb, st.flows, "flows");
	fk_stats_add(&sb, st.selected, "selected");
	fk_stats_add(&sb, st.written, "written");
	fk_stats_add(&sb, st.over_max, "over_max");
	fk_stats_add(&sb, st.cut_bytes, "cut_bytes");
	fk_stats_add(&sb, st.reuse, "port_reuse");
	fk_stats_add(&sb, st.timeouts, "timeouts");
	fk_stats_add(&sb, st.evictions, "evictions");
	if (st.lt_dropped)
		fk_stats_add(&sb, st.lt_dropped, "linktype_dropped");
	if (st.ns_lost)
		fk_stats_add(&sb, st.ns_lost, "ns_cut");
	if (odir.notreg)
		fk_stats_add(&sb, odir.notreg, "not_regular");
	fk_stats_end(&sb, &out, NULL);
}

static const struct fk_stage_ops ops = {
	.packet = packet,
	.needs = "PACKET records in the input: flowpcap reads pcapcat's "
	    "output, put it before reasm",
};

int
main(int argc, char *argv[])
{
	struct fk_in in;
	const char *why;
	int ch, wstdout = 0;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "VF:P:T:a:f:hlm:n:o:p:t:w:")) != -1) {
		switch (ch) {
		case 'F':
			add_ids(optarg);
			break;
		case 'P':
			if (strcmp(optarg, "tcp") == 0)
				sel_proto = FK_PROTO_TCP;
			else if (strcmp(optarg, "udp") == 0)
				sel_proto = FK_PROTO_UDP;
			else
				errx(FK_EX_USAGE, "-P %s: not tcp or udp",
				    optarg);
			break;
		case 'T':
			if ((why = fk_name_template_check(optarg)) != NULL)
				errx(FK_EX_USAGE, "-T %s: %s", optarg, why);
			tmpl = optarg;
			break;
		case 'a':
			add_prefix(optarg);
			break;
		case 'f':
			if (strcmp(optarg, "pcap") == 0)
				fmt = F_PCAP;
			else if (strcmp(optarg, "framed") == 0)
				fmt = F_FRAMED;
			else if (strcmp(optarg, "payload") == 0)
				fmt = F_PAYLOAD;
			else
				errx(FK_EX_USAGE, "-f %s: not pcap, framed "
				    "or payload", optarg);
			break;
		case 'l':
			list = 1;
			break;
		case 'm':
			maxpk = (uint64_t)fk_strtonum(optarg, 1, INT64_MAX,
			    "-m");
			break;
		case 'n':
			maxflows = (uint64_t)fk_strtonum(optarg, 1,
			    1LL << 40, "-n");
			break;
		case 'o':
			odir_path = optarg;
			break;
		case 'p':
			add_ports(optarg);
			break;
		case 't':
			idle_ns = (uint64_t)fk_strtonum(optarg, 0,
			    1LL << 32, "-t") * NS;
			break;
		case 'w':
			wpath = optarg;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	if (optind != argc)
		fk_usage();
	if (fmt == F_PAYLOAD && wpath != NULL)
		errx(FK_EX_USAGE, "-f payload writes files in -o dir, not -w");
	if (fmt == F_PAYLOAD && odir_path == NULL)
		errx(FK_EX_USAGE, "-f payload needs -o dir");
	if (fmt == F_PAYLOAD && sel_proto == FK_PROTO_TCP)
		errx(FK_EX_USAGE, "-f payload writes UDP flows only; TCP "
		    "streams: reasm | flowsplit");
	if (tmpl != NULL && fmt != F_PAYLOAD)
		errx(FK_EX_USAGE, "-T names payload files (-f payload)");
	wstdout = wpath != NULL && strcmp(wpath, "-") == 0;
	if (wstdout && list)
		errx(FK_EX_USAGE, "-l and -w - both write to stdout");
	if (wstdout && isatty(1))
		errx(FK_EX_USAGE, "-w -: standard output is a terminal");
	if (nids > 0)
		qsort(ids, nids, sizeof(*ids), cmp_u64);
	if (odir_path != NULL)
		fk_odir_open(&odir, odir_path, 128);
	else
		odir.dirfd = -1;
	if (wpath != NULL && fmt == F_FRAMED) {
		int fd = 1;

		if (!wstdout && (fd = fk_open_named(wpath, O_WRONLY | O_CREAT |
		    O_TRUNC)) < 0)
			err(FK_EX_FAIL, "%s", wpath);
		fk_ofile_pin(&wfile, fd, wstdout ? "<stdout>" : wpath);
		wfile_open = 1;
	}
	fk_idmap_init(&names);
	fk_flowtab_init(&table);
	fk_in_open(&in, 0, "<stdin>");
	pass = !list && !wstdout && !isatty(1);
	if (pass)
		fk_out_open(&out, 1, "<stdout>");
	fk_stage_run(&in, pass ? &out : NULL, &ops, NULL);
	while (lru_first() != NULL)
		flow_end(lru_first());
	if (wpath != NULL && fmt == F_PCAP && wsinks == NULL) {
		/* nothing selected: still a valid (empty) capture */
		uint8_t h[FK_PCAPW_HDR_LEN];

		wsinks = sink_new(wpath, first_lt, 0);
		fk_pcapw_hdr(h, first_lt, 0);
		fk_ofile_write(NULL, &wsinks->f, h, sizeof(h));
	}
	sinks_free(NULL, wsinks);
	if (wfile_open) {
		fk_ofile_flush(&wfile);
		if (wfile.fd != 1)
			fk_close_checked(wfile.fd, wfile.name);
		free(wfile.buf);
		fk_ofile_free(NULL, &wfile);
	}
	if (odir_path != NULL) {
		if (odir.failures)
			failed = 1;
		fk_odir_close(&odir);
	}
	if (list)
		print_list();
	if (pass) {
		stats();
		fk_out_close(&out);
	}
	fk_in_close(&in);
	fk_idmap_free(&names);
	fk_flowtab_free(&table);
	free(rows);
	free(prefixes);
	free(ports);
	free(ids);
	return fk_io_exit(&in, failed ? FK_EX_FAIL : FK_EX_OK);
}
