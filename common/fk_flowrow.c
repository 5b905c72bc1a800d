/*
 * fk_flowrow.c - flow tables for scripts: rows as TSV or JSON objects,
 * and the columns every flow table starts with.
 */
#include <stdio.h>
#include <string.h>

#include "fk_addr.h"
#include "fk_flowrow.h"
#include "fk_json.h"
#include "fk_l4.h"

void
fk_row_begin(struct fk_rowout *r, FILE *f, enum fk_rowfmt fmt)
{
	r->f = f;
	r->fmt = fmt;
	r->n = 0;
	if (fmt == FK_ROW_JSON)
		fputc('{', f);
}

void
fk_row_end(struct fk_rowout *r)
{
	fputs(r->fmt == FK_ROW_JSON ? "}" : "\n", r->f);
}

int
fk_row_field(struct fk_rowout *r, const char *name)
{
	if (r->fmt == FK_ROW_JSON)
		fprintf(r->f, "%s\"%s\": ", r->n++ ? ", " : "", name);
	else if (r->n++)
		fputc('\t', r->f);
	if (r->fmt != FK_ROW_HEADER)
		return 0;
	fputs(name, r->f);
	return 1;
}

static void
absent(struct fk_rowout *r)
{
	if (r->fmt == FK_ROW_JSON)
		fputs("null", r->f);
}

void
fk_row_u64(struct fk_rowout *r, const char *name, uint64_t v)
{
	if (fk_row_field(r, name) == 0)
		fprintf(r->f, "%llu", (unsigned long long)v);
}

void
fk_row_optu64(struct fk_rowout *r, const char *name, uint64_t v, int known)
{
	if (fk_row_field(r, name))
		return;
	if (!known)
		absent(r);
	else
		fprintf(r->f, "%llu", (unsigned long long)v);
}

void
fk_row_str(struct fk_rowout *r, const char *name, const char *s)
{
	if (fk_row_field(r, name))
		return;
	if (s == NULL) {
		absent(r);
		return;
	}
	if (r->fmt != FK_ROW_JSON) {
		fputs(s, r->f);
		return;
	}
	fk_json_strs(r->f, s);
}

void
fk_row_secs(struct fk_rowout *r, const char *name, uint64_t ns, int known)
{
	if (fk_row_field(r, name))
		return;
	if (!known)
		absent(r);
	else
		fprintf(r->f, "%llu.%09llu",
		    (unsigned long long)(ns / 1000000000u),
		    (unsigned long long)(ns % 1000000000u));
}

void
fk_flowrow_open(struct fk_flowrow *w, const struct fk_open *o)
{
	memset(w, 0, sizeof(*w));
	w->id = o->flow_id;
	w->family = o->family;
	w->proto = o->proto;
	memcpy(w->addr[0], o->addr_a, 16);
	memcpy(w->addr[1], o->addr_b, 16);
	w->port[0] = o->port_a;
	w->port[1] = o->port_b;
	if (o->flags & FK_OPEN_F_VLAN) {
		w->nvlan = 1;
		w->vlan = o->vlan;
	}
	if ((o->flags & FK_OPEN_F_VLAN) && (o->flags & FK_OPEN_F_VLAN2)) {
		w->nvlan = 2;
		w->inner_vlan = o->vlan_inner;
	}
	w->start_ns = o->ts_ns;
}

void
fk_flowrow_put(struct fk_rowout *r, const struct fk_flowrow *w)
{
	char a[2][FK_ADDR_STRLEN], proto[8];
	int known = w->family == 4 || w->family == 6;

	for (int s = 0; s < 2 && known; s++)
		fk_addr_str(a[s], sizeof(a[s]), w->family, w->addr[s]);
	if (w->proto == FK_PROTO_TCP)
		strcpy(proto, "tcp");
	else if (w->proto == FK_PROTO_UDP)
		strcpy(proto, "udp");
	else
		snprintf(proto, sizeof(proto), "%u", w->proto);

	fk_row_u64(r, "id", w->id);
	fk_row_str(r, "proto", known ? proto : NULL);
	fk_row_str(r, "a_addr", known ? a[0] : NULL);
	fk_row_optu64(r, "a_port", w->port[0], known);
	fk_row_str(r, "b_addr", known ? a[1] : NULL);
	fk_row_optu64(r, "b_port", w->port[1], known);
	fk_row_optu64(r, "vlan", w->vlan, w->nvlan >= 1);
	fk_row_optu64(r, "inner_vlan", w->inner_vlan, w->nvlan >= 2);
	fk_row_secs(r, "start", w->start_ns, w->start_ns != 0);
	fk_row_secs(r, "end", w->end_ns, w->end_ns != 0);
	fk_row_secs(r, "duration", w->start_ns != 0 && w->end_ns > w->start_ns ?
	    w->end_ns - w->start_ns : 0, w->start_ns != 0 && w->end_ns != 0);
}
