/*
 * flowrelay - relay TCP (or unix stream) connections between clients and
 * a server, like tcpreen(1), and write what passes as FLOW_OPEN, DATA and
 * FLOW_CLOSE records, the stream reasm(1) would make of a capture of the
 * same connections.  See flowrelay(1).
 *
 * One process, one poll loop, non-blocking sockets.  Every session has a
 * fixed buffer per direction: a side is read only while the buffer
 * towards the other side has room (backpressure), and nothing is
 * allocated per read.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fk_io.h"
#include "fk_list.h"
#include "fk_record.h"
#include "fk_util.h"

#define BUFSZ		65536	/* per direction of a session */
#define ACCEPT_BURST	64	/* accepts per listener per poll round */
/*
 * A connect that says EAGAIN (a unix socket's listen backlog is full) is
 * tried again after 1 ms, then twice as long each time up to RETRY_MAX_MS
 * between tries, for RETRY_FOR_S seconds in all, as a blocking connect
 * would wait (a TCP connect in progress gives up after about two minutes).
 */
#define RETRY_MAX_MS	100
#define RETRY_FOR_S	60

enum proto { P_TCP, P_TCP6, P_LOCAL };
enum { SIDE_C = 0, SIDE_S = 1 };	/* client (A), server (B) */
enum estate { E_WAIT, E_CONNECTING, E_RETRY, E_UP, E_CLOSED };

struct end {
	int fd;
	enum estate st;
	int pi;			/* index in the poll array, -1 if not polled */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint64_t retry_at;	/* E_RETRY: monotonic ns of the next try */
	uint64_t retry_end;	/* E_RETRY: give up after this */
	uint32_t retry_ms;	/* E_RETRY: the current wait */
};

struct dir {
	uint8_t *buf;
	size_t off, len;	/* pending bytes are buf[off..len) */
	int eof;		/* the source sent its FIN */
	int shut;		/* FIN forwarded: shutdown(dst, SHUT_WR) */
	uint64_t offset;	/* stream offset of the next byte read */
	struct fk_dirstats st;
};

struct sess {
	struct fk_link link;	/* on `sessions`, oldest first */
	struct end e[2];	/* [SIDE_C], [SIDE_S] */
	struct dir d[2];	/* [FK_DIR_AB] client to server, [FK_DIR_BA] */
	uint64_t idx;		/* 1, 2, ... in order of creation */
	uint64_t id;		/* flow id once FLOW_OPEN is written, else 0 */
	uint64_t t0;		/* time the first side connected */
	uint64_t total;		/* bytes read, both directions (-b) */
	int cut;		/* -b reached: drain, then close */
	int touched;		/* step it this round */
};

/* How one side gets its sockets: listening, or connecting to addr. */
struct side {
	enum proto proto;
	int listen;
	int lfd;		/* listening socket, -1 if none */
	int lpi;		/* its poll index */
	struct sockaddr_storage addr;	/* to bind or to connect to */
	socklen_t addrlen;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];	/* to unlink */
	const char *what;	/* "client", "server" */
};

static struct side sides[2];
static struct fk_list sessions;	/* open sessions, oldest first */
#define SESS_FIRST()	FK_LIST_FIRST(&sessions, struct sess, link)
#define SESS_NEXT(s)	FK_LIST_NEXT(s, struct sess, link)
static uint64_t nsess;			/* sessions alive */
static uint64_t started;		/* sessions created */
static uint64_t next_id = 1;
static uint64_t max_bytes;		/* -b, 0 = unlimited */
static uint64_t max_clients = 256;	/* -F */
static uint64_t max_conns;		/* -m, 0 = unlimited */
static int qflag, vflag;
static int emfile;			/* accept hit the fd limit */
static int failed;			/* a connection could not be made */
static struct fk_out out;
static volatile sig_atomic_t stop;
static uint64_t n_closed[8], n_bytes, n_failed;

static const struct fk_opthelp opthelp[] = {
	{ "-a bind_addr",
	    "the address to listen on for clients (default loopback)" },
	{ "-b max_bytes",
	    "relay at most max_bytes per connection, then close it" },
	{ "-c", "connect to the client instead of listening for it" },
	{ "-F max_clients", "relay at most max_clients at once (default 256)" },
	{ "-l", "listen for the server as well" },
	{ "-m max_conns",
	    "accept max_conns connections, exit when they are done" },
	{ "-p proto[/proto]",
	    "tcp (the default), tcp6 or local (unix sockets)" },
	{ "-q", "quiet: write no records, only relay" },
	{ "-s server", "the server's name or address (default loopback)" },
	{ "-v", "print each connection on standard error" },
	{ "server_port", "the server's port (a socket path with -p local)" },
	{ "local_port", "the port to listen on for clients (default: any)" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowrelay [-chlqVv] [-a bind_addr] [-b max_bytes] "
	    "[-F max_clients]\n"
	    "                 [-m max_conns] [-p proto[/proto]] [-s server] "
	    "server_port\n"
	    "                 [local_port]\n",
	.about = "Relay TCP connections and record them as a record stream.",
	.opts = opthelp,
	.vopt = 'V',
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* For waits (retries): a clock that does not jump. */
static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse_proto(const char *s, size_t n, enum proto *p)
{
	if (n == 3 && strncmp(s, "tcp", n) == 0)
		*p = P_TCP;
	else if (n == 4 && strncmp(s, "tcp6", n) == 0)
		*p = P_TCP6;
	else if ((n == 5 && strncmp(s, "local", n) == 0) ||
	    (n == 4 && strncmp(s, "unix", n) == 0))
		*p = P_LOCAL;
	else
		return -1;
	return 0;
}

/* "host port" or a unix path to a socket address. */
static void
resolve(struct side *sd, const char *host, const char *port, int passive)
{
	struct addrinfo hints, *res;
	int e;

	memset(&sd->addr, 0, sizeof(sd->addr));
	if (sd->proto == P_LOCAL) {
		struct sockaddr_un *un = (struct sockaddr_un *)&sd->addr;

		if (*port == '\0' || strlen(port) >= sizeof(un->sun_path))
			errx(FK_EX_USAGE, "%s socket path '%s': empty or "
			    "too long", sd->what, port);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, port, strlen(port) + 1);
		sd->addrlen = sizeof(*un);
		return;
	}
	if (port[strspn(port, "0123456789")] == '\0')
		fk_strtonum(port, passive ? 0 : 1, 65535, sd->what);
	if (host == NULL)
		host = sd->proto == P_TCP ? "127.0.0.1" : "::1";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = sd->proto == P_TCP ? AF_INET : AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		errx(FK_EX_FAIL, "%s address %s port %s: %s", sd->what, host,
		    port, gai_strerror(e));
	memcpy(&sd->addr, res->ai_addr, res->ai_addrlen);
	sd->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static void
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		err(FK_EX_FAIL, "fcntl");
}

/* "127.0.0.1 port 8080", "[::1] port 8080" or the socket path. */
static const char *
fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];

	switch (ss->ss_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, h, sizeof(h));
		snprintf(buf, len, "%s port %u", h, ntohs(in->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, h, sizeof(h));
		snprintf(buf, len, "%s port %u", h, ntohs(in6->sin6_port));
		break;
	}
	case AF_UNIX:
		snprintf(buf, len, "%s",
		    ((const struct sockaddr_un *)(const void *)ss)->sun_path);
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

/*
 * Two descriptors per connection: raise the soft limit as far as the
 * hard one allows, and relay fewer connections at once if even that is
 * too low, so that accepted clients are not dropped for want of a
 * descriptor to reach the server.
 */
static void
fit_fd_limit(int explicit)
{
	struct rlimit rl;
	uint64_t fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	fit = rl.rlim_cur > 18 ? (uint64_t)(rl.rlim_cur - 16) / 2 : 1;
	if (fit < max_clients) {
		if (explicit)
			warnx("-F %llu: only %llu descriptors; relaying at "
			    "most %llu connections at once",
			    (unsigned long long)max_clients,
			    (unsigned long long)rl.rlim_cur,
			    (unsigned long long)fit);
		max_clients = fit;
	}
}

static void
open_listener(struct side *sd, int announce)
{
	struct sockaddr_storage got;
	socklen_t gotlen = sizeof(got);
	char buf[INET6_ADDRSTRLEN + 64];
	int one = 1;

	sd->lfd = socket(sd->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sd->lfd < 0)
		err(FK_EX_FAIL, "socket");
	if (sd->proto != P_LOCAL)
		(void)setsockopt(sd->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (sd->proto == P_TCP6)
		(void)setsockopt(sd->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(sd->lfd, (struct sockaddr *)&sd->addr, sd->addrlen) < 0)
		err(FK_EX_FAIL, "bind %s socket %s", sd->what,
		    fmt_addr(&sd->addr, buf, sizeof(buf)));
	if (sd->proto == P_LOCAL)
		memcpy(sd->path, ((struct sockaddr_un *)&sd->addr)->sun_path,
		    sizeof(sd->path));
	if (listen(sd->lfd, SOMAXCONN) < 0)
		err(FK_EX_FAIL, "listen");
	nonblock(sd->lfd);
	if (getsockname(sd->lfd, (struct sockaddr *)&got, &gotlen) == 0 &&
	    sd->proto != P_LOCAL)
		sd->addr = got;
	if (announce || vflag)
		fprintf(stderr, "flowrelay: listening for the %s on %s\n",
		    sd->what, fmt_addr(&sd->addr, buf, sizeof(buf)));
}

static void
close_listener(struct side *sd)
{
	if (sd->lfd >= 0) {
		close(sd->lfd);
		sd->lfd = -1;
		if (sd->path[0] != '\0')
			(void)unlink(sd->path);
		sd->path[0] = '\0';
	}
}

static struct sess *
sess_new(uint64_t t)
{
	struct sess *s = fk_calloc(1, sizeof(*s));

	for (int i = 0; i < 2; i++) {
		s->e[i].fd = -1;
		s->e[i].st = E_WAIT;
		s->e[i].pi = -1;
		s->d[i].buf = fk_malloc(BUFSZ);
	}
	s->idx = ++started;
	s->t0 = t;
	s->touched = 1;
	fk_list_append(&sessions, &s->link);
	nsess++;
	return s;
}

/* Close a socket; with rst, make the close send a RST. */
static void
end_close(struct end *e, int rst)
{
	if (e->fd < 0)
		return;
	if (rst) {
		struct linger l = { 1, 0 };

		(void)setsockopt(e->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(e->fd);
	e->fd = -1;
	e->st = E_CLOSED;
}

static void
sess_free(struct sess *s)
{
	fk_list_remove(&sessions, &s->link);
	for (int i = 0; i < 2; i++)
		free(s->d[i].buf);
	free(s);
	nsess--;
	emfile = 0;
}

/*
 * An endpoint's address for FLOW_OPEN.  fam is the record's family; an
 * IPv4 peer in a family 6 record is written IPv4-mapped.  A unix socket
 * peer has no address: zeros, and port `port`.
 */
static void
put_addr(const struct end *e, int fam, uint8_t addr[16], uint16_t *port,
    uint16_t unixport)
{
	memset(addr, 0, 16);
	*port = unixport;
	if (e->peer.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&e->peer;

		if (fam == 4) {
			memcpy(addr, &in->sin_addr, 4);
		} else {
			addr[10] = addr[11] = 0xff;
			memcpy(addr + 12, &in->sin_addr, 4);
		}
		*port = ntohs(in->sin_port);
	} else if (e->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&e->peer;

		memcpy(addr, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
	}
}

static void
flow_open(struct sess *s)
{
	struct fk_open o;
	int fc = s->e[SIDE_C].peer.ss_family, fs = s->e[SIDE_S].peer.ss_family;

	s->id = next_id++;
	if (qflag)
		return;
	memset(&o, 0, sizeof(o));
	o.flow_id = s->id;
	o.ts_ns = s->t0;
	o.proto = 6;
	o.opener = FK_OPEN_SYN;
	/* 6 if either side is IPv6, else 4 (also for unix sockets) */
	o.family = (fc == AF_INET6 || fs == AF_INET6) ? 6 : 4;
	put_addr(&s->e[SIDE_C], o.family, o.addr_a, &o.port_a,
	    (uint16_t)s->idx);
	put_addr(&s->e[SIDE_S], o.family, o.addr_b, &o.port_b, 0);
	fk_open_emit(&out, &o);
}

static void
flow_close(struct sess *s, uint8_t reason, uint64_t t)
{
	struct fk_close c;

	if (s->id == 0)
		return;
	if (reason < FK_ARRAY_LEN(n_closed))
		n_closed[reason]++;
	if (vflag)
		fprintf(stderr, "flowrelay: connection %llu closed: %s, "
		    "%llu bytes to the server, %llu to the client\n",
		    (unsigned long long)s->idx, fk_close_reasonname(reason),
		    (unsigned long long)s->d[FK_DIR_AB].st.bytes,
		    (unsigned long long)s->d[FK_DIR_BA].st.bytes);
	if (qflag)
		return;
	memset(&c, 0, sizeof(c));
	c.flow_id = s->id;
	c.ts_ns = t;
	c.reason = reason;
	c.dir[0] = s->d[0].st;
	c.dir[1] = s->d[1].st;
	fk_close_emit(&out, &c);
}

/* Hand pending bytes to their destination without waiting. */
static void
flush_nowait(struct sess *s)
{
	for (int d = 0; d < 2; d++) {
		struct dir *x = &s->d[d];
		struct end *dst = &s->e[!d];

		while (x->off < x->len && dst->fd >= 0 && dst->st == E_UP) {
			ssize_t n = send(dst->fd, x->buf + x->off,
			    x->len - x->off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			x->off += (size_t)n;
		}
	}
}

/* End a session: a record if it was open, sockets closed, freed. */
static void
sess_end(struct sess *s, uint8_t reason, uint64_t t, int rst)
{
	flow_close(s, reason, t);
	for (int i = 0; i < 2; i++)
		end_close(&s->e[i], rst);
	sess_free(s);
}

/* A connection of the session could not be made: no flow. */
static void
sess_fail(struct sess *s, int side, int error)
{
	char buf[INET6_ADDRSTRLEN + 64];

	warnx("connection %llu: connect to the %s at %s: %s",
	    (unsigned long long)s->idx, sides[side].what,
	    fmt_addr(&sides[side].addr, buf, sizeof(buf)), strerror(error));
	failed = 1;
	n_failed++;
	for (int i = 0; i < 2; i++)
		end_close(&s->e[i], 1);
	sess_free(s);
}

static void
set_peer(struct end *e)
{
	e->peerlen = sizeof(e->peer);
	if (getpeername(e->fd, (struct sockaddr *)&e->peer, &e->peerlen) < 0)
		memset(&e->peer, 0, sizeof(e->peer));
	if (e->peer.ss_family == AF_INET || e->peer.ss_family == AF_INET6) {
		int one = 1;

		(void)setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
}

/*
 * Connect side i of s (its socket is open), without blocking: up, in
 * progress, or to be tried again (EAGAIN: see RETRY_MAX_MS).  Returns 0,
 * or the errno value of a connect that failed (or took too long).
 */
static int
try_connect(struct sess *s, int i)
{
	struct side *sd = &sides[i];
	struct end *e = &s->e[i];
	uint64_t t;

	if (connect(e->fd, (struct sockaddr *)&sd->addr, sd->addrlen) == 0) {
		e->st = E_UP;
		set_peer(e);
		s->touched = 1;
		return 0;
	}
	if (errno == EINPROGRESS) {
		e->st = E_CONNECTING;
		return 0;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return errno;
	t = mono_ns();
	if (e->st != E_RETRY) {
		e->st = E_RETRY;
		e->retry_ms = 1;
		e->retry_end = t + RETRY_FOR_S * 1000000000ULL;
	} else if (t >= e->retry_end) {
		return EAGAIN;
	} else if ((e->retry_ms *= 2) > RETRY_MAX_MS) {
		e->retry_ms = RETRY_MAX_MS;
	}
	e->retry_at = t + e->retry_ms * 1000000ULL;
	return 0;
}

/* Start a non-blocking connect for side i of s. */
static int
start_connect(struct sess *s, int i)
{
	struct side *sd = &sides[i];
	struct end *e = &s->e[i];

	e->fd = socket(sd->addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0)
		return errno;
	return try_connect(s, i);
}

/*
 * Try again the connects whose time has come; the time until the next
 * one is due (*wait_ns, or UINT64_MAX if none waits).
 */
static void
retry_connects(uint64_t *wait_ns)
{
	uint64_t t = mono_ns();

	*wait_ns = UINT64_MAX;
	for (struct sess *s = SESS_FIRST(), *sn; s != NULL; s = sn) {
		sn = SESS_NEXT(s);
		for (int i = 0; i < 2; i++) {
			struct end *e = &s->e[i];
			int err;

			if (e->st != E_RETRY)
				continue;
			if (e->retry_at <= t && (err = try_connect(s, i)) != 0) {
				sess_fail(s, i, err);
				break;
			}
			if (e->st == E_RETRY) {
				uint64_t w = e->retry_at > t ?
				    e->retry_at - t : 0;

				if (w < *wait_ns)
					*wait_ns = w;
			}
		}
	}
}

/* A new session whose side i is the already connected socket fd. */
static void
sess_start(int i, int fd, uint64_t t)
{
	struct sess *s = sess_new(t);
	int e;

	s->e[i].fd = fd;
	s->e[i].st = E_UP;
	set_peer(&s->e[i]);
	if (vflag) {
		char buf[INET6_ADDRSTRLEN + 64];

		fprintf(stderr, "flowrelay: connection %llu: %s %s\n",
		    (unsigned long long)s->idx, sides[i].what,
		    fmt_addr(&s->e[i].peer, buf, sizeof(buf)));
	}
	if (!sides[!i].listen && (e = start_connect(s, !i)) != 0)
		sess_fail(s, !i, e);
}

static int
may_start(void)
{
	return !emfile && nsess < max_clients &&
	    (max_conns == 0 || started < max_conns);
}

/* The session that waits longest for a socket on side i, or NULL. */
static struct sess *
waiting_for(int i)
{
	for (struct sess *s = SESS_FIRST(); s != NULL; s = SESS_NEXT(s))
		if (s->e[i].st == E_WAIT)
			return s;
	return NULL;
}

static void
do_accept(int i)
{
	struct side *sd = &sides[i];

	for (int k = 0; k < ACCEPT_BURST; k++) {
		struct sess *s = NULL;
		int fd;

		/* A client makes a session; a server joins one (-l). */
		if (i == SIDE_C) {
			if (!may_start())
				return;
		} else if ((s = waiting_for(i)) == NULL) {
			return;
		}
		fd = accept4(sd->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				warn("accept");
				emfile = 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED && errno != EINTR)
				err(FK_EX_FAIL, "accept");
			return;
		}
		if (s == NULL) {
			sess_start(i, fd, now_ns());
		} else {
			s->e[i].fd = fd;
			s->e[i].st = E_UP;
			set_peer(&s->e[i]);
			s->touched = 1;
		}
	}
}

/* Without listening for clients (-c): connect to the next one. */
static void
connect_clients(uint64_t t)
{
	while (!sides[SIDE_C].listen && may_start()) {
		struct sess *s = sess_new(t);
		int e;

		if ((e = start_connect(s, SIDE_C)) != 0) {
			sess_fail(s, SIDE_C, e);
			continue;
		}
		if (!sides[SIDE_S].listen && (e = start_connect(s, SIDE_S)) != 0)
			sess_fail(s, SIDE_S, e);
	}
}

static int
fatal_io(int e)
{
	return e != EAGAIN && e != EWOULDBLOCK && e != EINTR;
}

static int
quiet_error(int e)
{
	return e == ECONNRESET || e == EPIPE || e == ETIMEDOUT;
}

/*
 * Move bytes of direction d as far as they go without blocking.
 * Returns 0, or an errno value when a socket failed.
 */
static int
pump(struct sess *s, int d, uint64_t t)
{
	struct dir *x = &s->d[d];
	struct end *src = &s->e[d], *dst = &s->e[!d];
	int rounds;

	/* bounded: a few reads per round keep sessions fair */
	for (rounds = 0; rounds < 4; rounds++) {
		ssize_t n;
		size_t room;

		while (x->off < x->len) {
			n = send(dst->fd, x->buf + x->off, x->len - x->off,
			    MSG_NOSIGNAL);
			if (n < 0) {
				if (fatal_io(errno))
					return errno;
				return 0;	/* dst full: wait for POLLOUT */
			}
			x->off += (size_t)n;
		}
		x->off = x->len = 0;
		if (x->eof || s->cut)
			break;
		room = BUFSZ;
		if (max_bytes && max_bytes - s->total < room)
			room = (size_t)(max_bytes - s->total);
		n = read(src->fd, x->buf, room);
		if (n < 0) {
			if (fatal_io(errno))
				return errno;
			break;
		}
		if (n == 0) {
			x->eof = 1;
			break;
		}
		t = now_ns();	/* the time of this read */
		x->len = (size_t)n;
		x->st.packets++;
		x->st.wire_bytes += (uint64_t)n;
		x->st.bytes += (uint64_t)n;
		x->st.last_ts_ns = t;
		n_bytes += (uint64_t)n;
		s->total += (uint64_t)n;
		if (!qflag) {
			struct fk_data dr;

			memset(&dr, 0, sizeof(dr));
			dr.flow_id = s->id;
			dr.dir = (uint8_t)d;
			dr.offset = x->offset;
			dr.ts_ns = t;
			dr.len = (uint32_t)n;
			dr.data = x->buf;
			fk_data_emit(&out, &dr);
		}
		x->offset += (uint64_t)n;
		if (max_bytes && s->total >= max_bytes)
			s->cut = 1;
	}
	if (x->eof && x->off == x->len && !x->shut) {
		if (shutdown(dst->fd, SHUT_WR) < 0 && errno != ENOTCONN)
			return errno;
		x->shut = 1;
	}
	return 0;
}

/* Advance a session after poll said something about its sockets. */
static void
step(struct sess *s, const struct pollfd *pfd, uint64_t t)
{
	for (int i = 0; i < 2; i++) {
		struct end *e = &s->e[i];
		int error = 0;
		socklen_t len = sizeof(error);

		if (e->st != E_CONNECTING || e->pi < 0 ||
		    pfd[e->pi].revents == 0)
			continue;
		if (getsockopt(e->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
			error = errno;
		if (error != 0) {
			sess_fail(s, i, error);
			return;
		}
		e->st = E_UP;
		set_peer(e);
	}
	if (s->e[0].st != E_UP || s->e[1].st != E_UP)
		return;
	if (s->id == 0) {
		if (vflag) {
			char buf[INET6_ADDRSTRLEN + 64];

			fprintf(stderr, "flowrelay: connection %llu: "
			    "client %s", (unsigned long long)s->idx,
			    fmt_addr(&s->e[SIDE_C].peer, buf, sizeof(buf)));
			fprintf(stderr, ", server %s\n",
			    fmt_addr(&s->e[SIDE_S].peer, buf, sizeof(buf)));
		}
		flow_open(s);
	}
	for (int d = 0; d < 2; d++) {
		int e = pump(s, d, t);

		if (e != 0) {
			if (!quiet_error(e))
				warnx("connection %llu: %s: %s",
				    (unsigned long long)s->idx,
				    d == FK_DIR_AB ? "client to server" :
				    "server to client", strerror(e));
			/* pass on what was read, then reset both sides */
			flush_nowait(s);
			sess_end(s, FK_CLOSE_RST, now_ns(), 1);
			return;
		}
	}
	if (s->d[0].shut && s->d[1].shut) {
		sess_end(s, FK_CLOSE_FIN, now_ns(), 0);
		return;
	}
	if (s->cut && s->d[0].off == s->d[0].len &&
	    s->d[1].off == s->d[1].len) {
		for (int i = 0; i < 2; i++)
			(void)shutdown(s->e[i].fd, SHUT_WR);
		sess_end(s, FK_CLOSE_EVICT, now_ns(), 0);
	}
}

/* What to wait for on side i of s. */
static short
want(const struct sess *s, int i)
{
	const struct end *e = &s->e[i];
	const struct dir *in = &s->d[i], *outd = &s->d[!i];
	short ev = 0;

	if (e->fd < 0)
		return 0;
	if (e->st == E_CONNECTING)
		return POLLOUT;
	if (e->st != E_UP || s->e[!i].st != E_UP)
		return 0;
	if (!in->eof && !s->cut && in->off == in->len)
		ev |= POLLIN;
	if (outd->off < outd->len)
		ev |= POLLOUT;
	return ev;
}

static void
emit_stats(void)
{
	struct fk_statsbuf sb;

	if (qflag)
		return;
	fk_stats_begin(&sb, "flowrelay");
	fk_stats_add(&sb, next_id - 1, "connections");
	fk_stats_add(&sb, n_failed, "failed");
	fk_stats_add(&sb, n_bytes, "bytes");
	fk_stats_add(&sb, n_closed[FK_CLOSE_FIN], "closed.fin");
	fk_stats_add(&sb, n_closed[FK_CLOSE_RST], "closed.rst");
	fk_stats_add(&sb, n_closed[FK_CLOSE_EVICT], "closed.evict");
	fk_stats_add(&sb, n_closed[FK_CLOSE_END], "closed.end");
	fk_stats_add(&sb, n_closed[FK_CLOSE_STOPPED], "closed.stopped");
	fk_stats_end(&sb, &out, NULL);
}

int
main(int argc, char *argv[])
{
	const char *bind_addr = NULL, *server = NULL, *pspec = "tcp";
	const char *server_port, *local_port = NULL;
	int cflag = 0, lflag = 0, Fflag = 0, ch;
	struct pollfd *pfd;
	size_t npfd;
	struct sigaction sa;
	sigset_t block, empty;
	const char *slash;
	const struct timespec retry = { 1, 0 };
	struct timespec tmo;
	uint64_t wait_ns;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "VF:a:b:chlm:p:qs:v")) != -1) {
		switch (ch) {
		case 'F':
			max_clients = (uint64_t)fk_strtonum(optarg, 1, 100000,
			    "-F max_clients");
			Fflag = 1;
			break;
		case 'a':
			bind_addr = optarg;
			break;
		case 'b':
			max_bytes = (uint64_t)fk_strtosize(optarg, 1,
			    INT64_MAX, "-b max_bytes");
			break;
		case 'c':
			cflag = 1;
			break;
		case 'l':
			lflag = 1;
			break;
		case 'm':
			max_conns = (uint64_t)fk_strtonum(optarg, 1,
			    INT64_MAX, "-m max_conns");
			break;
		case 'p':
			pspec = optarg;
			break;
		case 'q':
			qflag = 1;
			break;
		case 's':
			server = optarg;
			break;
		case 'v':
			vflag = 1;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		fk_usage();
	server_port = argv[0];
	if (argc == 2)
		local_port = argv[1];

	/* -p server[/client], as tcpreen: one name is both sides */
	sides[SIDE_S].what = "server";
	sides[SIDE_C].what = "client";
	slash = strchr(pspec, '/');
	if (parse_proto(pspec, slash ? (size_t)(slash - pspec) :
	    strlen(pspec), &sides[SIDE_S].proto) < 0 ||
	    parse_proto(slash ? slash + 1 : pspec, strlen(slash ? slash + 1 :
	    pspec), &sides[SIDE_C].proto) < 0)
		errx(FK_EX_USAGE, "-p %s: protocols are tcp, tcp6 and local",
		    pspec);
	if (cflag && local_port == NULL)
		errx(FK_EX_USAGE, "-c needs the client's port (local_port)");
	if (local_port == NULL && sides[SIDE_C].proto == P_LOCAL)
		errx(FK_EX_USAGE, "a local client side needs a socket path "
		    "(local_port)");
	if (!qflag && isatty(STDOUT_FILENO))
		errx(FK_EX_USAGE, "standard output is a terminal: pipe the "
		    "records into a program (| flowcat), or use -q");
	if (cflag && max_conns == 0)
		max_conns = 1;

	fit_fd_limit(Fflag);
	sides[SIDE_C].listen = !cflag;
	sides[SIDE_S].listen = lflag;
	resolve(&sides[SIDE_C], bind_addr, local_port ? local_port : "0",
	    !cflag);
	resolve(&sides[SIDE_S], server, server_port, lflag);
	for (int i = 0; i < 2; i++) {
		sides[i].lfd = -1;
		if (sides[i].listen)
			open_listener(&sides[i], i == SIDE_C ?
			    local_port == NULL ||
			    strcmp(local_port, "0") == 0 :
			    strcmp(server_port, "0") == 0);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* blocked except inside ppoll(), so none is missed */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &empty);
	sigdelset(&empty, SIGINT);
	sigdelset(&empty, SIGTERM);
	sigdelset(&empty, SIGHUP);

	if (!qflag) {
		fk_out_open(&out, STDOUT_FILENO, "<stdout>");
		fk_out_flush(&out);
	}
	npfd = 2 + 2 * (size_t)max_clients;
	pfd = fk_calloc(npfd, sizeof(*pfd));

	while (!stop) {
		uint64_t t = now_ns();
		size_t n = 0;
		int r;

		connect_clients(t);
		retry_connects(&wait_ns);
		/* step new or newly paired sessions before waiting */
		for (struct sess *s = SESS_FIRST(), *sn; s != NULL; s = sn) {
			sn = SESS_NEXT(s);
			for (int i = 0; i < 2; i++)
				s->e[i].pi = -1;
			if (s->touched) {
				s->touched = 0;
				step(s, pfd, t);
			}
		}
		if (max_conns && started >= max_conns) {
			close_listener(&sides[SIDE_C]);
			if (waiting_for(SIDE_S) == NULL)
				close_listener(&sides[SIDE_S]);
		}
		if (!qflag)
			fk_out_flush(&out);
		if (nsess == 0 && max_conns && started >= max_conns)
			break;

		for (int i = 0; i < 2; i++) {
			sides[i].lpi = -1;
			if (sides[i].lfd < 0)
				continue;
			if (i == SIDE_C ? !may_start() :
			    waiting_for(i) == NULL)
				continue;
			sides[i].lpi = (int)n;
			pfd[n].fd = sides[i].lfd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
		for (struct sess *s = SESS_FIRST(); s != NULL; s = SESS_NEXT(s))
			for (int i = 0; i < 2; i++) {
				short ev = want(s, i);

				s->e[i].pi = -1;
				if (ev == 0)
					continue;
				s->e[i].pi = (int)n;
				pfd[n].fd = s->e[i].fd;
				pfd[n].events = ev;
				pfd[n++].revents = 0;
			}
		if (n == 0 && nsess == 0 && sides[SIDE_C].listen &&
		    sides[SIDE_C].lfd < 0)
			break;
		/* out of descriptors: try accepting again in a second */
		tmo = retry;
		if (wait_ns < 1000000000ULL) {
			tmo.tv_sec = 0;
			tmo.tv_nsec = (long)wait_ns;
		}
		r = ppoll(pfd, (nfds_t)n, emfile || wait_ns < UINT64_MAX ?
		    &tmo : NULL, &empty);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err(FK_EX_FAIL, "poll");
		}
		if (r == 0)
			emfile = 0;
		t = now_ns();
		for (int i = 0; i < 2; i++)
			if (sides[i].lpi >= 0 && pfd[sides[i].lpi].revents)
				do_accept(i);
		for (struct sess *s = SESS_FIRST(); s != NULL; s = SESS_NEXT(s))
			for (int i = 0; i < 2; i++)
				if (s->e[i].pi >= 0 &&
				    pfd[s->e[i].pi].revents != 0)
					s->touched = 1;
		for (struct sess *s = SESS_FIRST(), *sn; s != NULL; s = sn) {
			sn = SESS_NEXT(s);
			if (s->touched) {
				s->touched = 0;
				step(s, pfd, t);
			}
		}
		if (!qflag)
			fk_out_flush(&out);
	}

	/* interrupted, or done: close what is left */
	{
		uint64_t t = now_ns();

		/* a signal cut the sessions still open: later stages know */
		while (SESS_FIRST() != NULL) {
			flush_nowait(SESS_FIRST());
			sess_end(SESS_FIRST(), stop ? FK_CLOSE_STOPPED :
			    FK_CLOSE_END, t, 0);
		}
		if (stop)
			fk_io_status(FK_END_INTERRUPTED, 0, NULL);
	}
	for (int i = 0; i < 2; i++)
		close_listener(&sides[i]);
	free(pfd);
	if (!qflag) {
		emit_stats();
		fk_out_close(&out);
	}
	return failed ? FK_EX_FAIL : FK_EX_OK;
}
