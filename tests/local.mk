## Shared by the tests of every layer: the environment of a test run and
## the one helper kit (tests/testutil.*). Each layer lists its own tests
## in tests/<layer>.mk: core.mk, io.mk, quant.mk, cli.mk (with the model
## below the front ends), ui.mk, plot.mk, and hostile.mk across them.
TESTS_ENVIRONMENT_VARS = \
	top_srcdir='$(top_srcdir)' abs_top_srcdir='$(abs_top_srcdir)' \
	abs_top_builddir='$(abs_top_builddir)' APOTVIEW='$(abs_top_builddir)/src/apotview' \
	APOTVIEW_DATADIR='$(abs_top_srcdir)/data' CC='$(CC)'
AM_TESTS_ENVIRONMENT = export $(TESTS_ENVIRONMENT_VARS);
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(APOTVIEW_LIBS) $(CMOCKA_LIBS)

TESTUTIL = tests/testutil.c tests/testutil.h

TESTS += tests/man-lint.sh
dist_check_SCRIPTS += tests/man-lint.sh
