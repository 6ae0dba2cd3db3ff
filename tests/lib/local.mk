## Shared by the tests of every module. The tests mirror src/: each folder
## tests/<module>/ (core, io, quant, cli with the model below the front
## ends, ui, plot) holds its tests and lists them in its own local.mk;
## tests/bench the benchmarks, tests/fuzz the fuzzers (built by
## tests/io/local.mk), tests/data the fixtures. This folder is the one
## helper kit: kit.h (the rng, the brute-force nearest level, the .npy
## header: libc only) and testutil.* around it for the cmocka tests,
## tmux-lib.sh for the viewer tests, gp_check.h (gnuplot script checks),
## fig-bbox.awk (PDF layout), the fixture programs ui_mkfix and
## gen_hostile, and the fixture generators gen_*.py.
TESTS_ENVIRONMENT_VARS = \
	top_srcdir='$(top_srcdir)' abs_top_srcdir='$(abs_top_srcdir)' \
	abs_top_builddir='$(abs_top_builddir)' APOTVIEW='$(abs_top_builddir)/src/apotview' \
	APOTVIEW_DATADIR='$(abs_top_srcdir)/data' CC='$(CC)'
AM_TESTS_ENVIRONMENT = export $(TESTS_ENVIRONMENT_VARS);
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/tests/lib
TEST_LIBS = $(APOTVIEW_LIBS) $(CMOCKA_LIBS)

TESTUTIL = tests/lib/testutil.c tests/lib/testutil.h tests/lib/kit.h

check_PROGRAMS += tests/lib/ui_mkfix
tests_lib_ui_mkfix_SOURCES = tests/lib/ui_mkfix.c tests/lib/kit.h
tests_lib_ui_mkfix_LDADD = -lm
check_PROGRAMS += tests/lib/gen_hostile
tests_lib_gen_hostile_SOURCES = tests/lib/gen_hostile.c tests/lib/kit.h
tests_lib_gen_hostile_LDADD = -lm
EXTRA_DIST += tests/lib/tmux-lib.sh tests/lib/gp_check.h tests/lib/fig-bbox.awk
