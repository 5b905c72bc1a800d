/*
 * fk_name.h - tcpflow-compatible flow file names (flowname, flowsplit,
 * httpsplit).
 *
 * A template is expanded for one direction of a flow: %A/%a is the
 * SOURCE of that direction, so the B->A file of the default template is
 * "B.b-A.a".  Tokens (as tcpflow 1.6.1 -T):
 *   %A %a %B %b  source addr/port, destination addr/port (IPv4 zero-padded
 *                "010.000.000.001", IPv6 inet_ntop; ports 5 digits)
 *   %E %e        source/destination MAC ("00:00:00:00:00:00" if unknown)
 *   %T %t        flow start: "2011-04-21T19:55:57Z" / time_t
 *   %V %v        "--" / VLAN id, both empty without a VLAN
 *   %C %c        "c" / connection count, both empty when the count is 0
 *   %#           connection count, always
 *   %N %K %M %G  connection number %1000, /1000 %1000, ... as "%03u"
 *   %S           session id, "%020u"
 *   %%           '%'
 * A '/' in a template makes subdirectories.  Every name produced is a
 * safe relative path (fk_name_safe), or expansion fails.
 */
#ifndef FK_NAME_H
#define FK_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "fk_record.h"

#define FK_NAME_TEMPLATE	"%A.%a-%B.%b%V%v%C%c"
#define FK_NAME_MAX		1024	/* longest name, NUL included */
/* Longest component fk_name_dup_safe() makes: NAME.partial fits in 255. */
#define FK_NAME_COMP_MAX	240

/* What a template needs beyond the FLOW_OPEN record. */
struct fk_name_vars {
	uint32_t count;		/* connection count: %c %C %# (0 = first) */
	uint64_t number;	/* connection number: %N %K %M %G */
	uint64_t session;	/* session id: %S */
	int novlan;		/* leave the VLAN out (%V %v expand empty) */
};

/* NULL if tmpl is a usable template, else why not (for a usage error). */
const char *fk_name_template_check(const char *tmpl);
/* 1 if tmpl has a connection-count token (%c or %#). */
int fk_name_template_counts(const char *tmpl);

/*
 * Expand tmpl for direction dir (FK_DIR_AB/FK_DIR_BA) of flow o into
 * buf (NUL-terminated).  Returns the length, or -1 if the template is
 * invalid, the name does not fit in len, or it is not fk_name_safe().
 */
int fk_name_expand(char *buf, size_t len, const char *tmpl,
    const struct fk_open *o, int dir, const struct fk_name_vars *v);
/* tcpflow's default name, connection count 0: "A.a-B.b--vlan". */
int fk_name_default(char *buf, size_t len, const struct fk_open *o, int dir);

/*
 * 1 if name[0..len) is a safe relative path: not empty, shorter than
 * FK_NAME_MAX, no control character (C0 with NUL, DEL or C1, see
 * fk_text.h: names are printed in warnings), not absolute, no empty,
 * "." or ".." component, no trailing '/'.
 */
int fk_name_safe(const char *name, size_t len);
/*
 * Make a safe name from arbitrary bytes: drops empty, "." and ".."
 * components and a leading '/', turns control characters into '_',
 * cuts to fit.  Returns the length (always > 0; "_" if nothing is left).
 */
size_t fk_name_sanitize(char *buf, size_t len, const char *name,
    size_t namelen);
/*
 * The name a file is created with, from a FLOW_NAME: a NUL-terminated
 * copy (malloc'd) of name[0..len), through fk_name_sanitize() when it is
 * not fk_name_safe().  A name too long for a file system (a component
 * over FK_NAME_COMP_MAX bytes, or the whole over FK_NAME_MAX - 1) is
 * shortened: each long component is cut to FK_NAME_COMP_MAX - 17 bytes
 * and ends in "~" and 16 hex digits of a hash of the whole original
 * name (the last component does when only the whole was too long), so
 * different long names stay different, and every program (flowsplit,
 * dfxmlgen) makes the same name from the same bytes.  A caller that
 * appends to the name (httpsplit: "-HTTPBODY-001.html.raw") reserves
 * that many bytes: the last component and the whole are kept that much
 * shorter.  *lenp (if not
 * NULL) gets its length, *sanitized (if not NULL) 1 if it had to be made
 * safe or shortened, else 0.
 */
char *fk_name_dup_safe(const char *name, size_t len, size_t reserve,
    size_t *lenp, int *sanitized);

#endif
