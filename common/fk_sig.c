/* fk_sig.c - SIGINT/SIGTERM: the source stops, a second aborts; see fk_sig.h. */
#include <signal.h>
#include <string.h>

#include "fk_sig.h"
#include "fk_util.h"

static volatile sig_atomic_t nsig, lastsig, source;
static void (*onstop)(void);

static void
handler(int sig)
{
	lastsig = sig;
	if (nsig < 100)
		nsig++;
	if (nsig == 1 && onstop != NULL)
		onstop();
	if (nsig >= 2 && source) {	/* nothing to finish: die of it */
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static void
install(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
fk_sig_init(void)
{
	install(0);	/* no SA_RESTART: reads return EINTR */
}

void
fk_sig_source(void (*fn)(void))
{
	onstop = fn;
	source = 1;
	install(SA_RESTART);
}

int
fk_sig_count(void)
{
	return nsig;
}

int
fk_sig_last(void)
{
	return lastsig;
}

void
fk_sig_check(void)
{
	if (nsig >= 2)
		fk_abort(128 + lastsig, "interrupted again: stopping now, "
		    "unfinished outputs named .partial");
}
