/*
 * fk_version.h - the one version number of the toolkit, printed by every
 * program's --version and written in dfxmlgen's report.  `make
 * VERSION=x.y` overrides it.
 */
#ifndef FK_VERSION_H
#define FK_VERSION_H

#ifndef FK_VERSION_STRING
#define FK_VERSION_STRING	"0.1"
#endif

#endif
