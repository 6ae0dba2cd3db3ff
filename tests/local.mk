## Foundation tests (cmocka). Other layers list theirs in tests/<layer>.mk.
TESTS_ENVIRONMENT_VARS = \
	top_srcdir='$(top_srcdir)' abs_top_srcdir='$(abs_top_srcdir)' \
	abs_top_builddir='$(abs_top_builddir)' APOTVIEW='$(abs_top_builddir)/src/apotview' \
	APOTVIEW_DATADIR='$(abs_top_srcdir)/data'
AM_TESTS_ENVIRONMENT = export $(TESTS_ENVIRONMENT_VARS);
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(APOTVIEW_LIBS) $(CMOCKA_LIBS)

TESTUTIL = tests/testutil.c tests/testutil.h

if HAVE_CMOCKA
check_PROGRAMS += tests/test_levels tests/test_engine tests/test_npy tests/test_real tests/test_cli tests/test_util
TESTS += tests/test_levels tests/test_engine tests/test_npy tests/test_real tests/test_cli tests/test_util
tests_test_levels_SOURCES = tests/test_levels.c $(TESTUTIL)
tests_test_levels_CFLAGS = $(TEST_CFLAGS)
tests_test_levels_LDADD = $(TEST_LIBS)
tests_test_engine_SOURCES = tests/test_engine.c $(TESTUTIL)
tests_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_test_engine_LDADD = $(TEST_LIBS)
tests_test_npy_SOURCES = tests/test_npy.c $(TESTUTIL)
tests_test_npy_CFLAGS = $(TEST_CFLAGS)
tests_test_npy_LDADD = $(TEST_LIBS)
tests_test_real_SOURCES = tests/test_real.c $(TESTUTIL)
tests_test_real_CFLAGS = $(TEST_CFLAGS)
tests_test_real_LDADD = $(TEST_LIBS)
tests_test_cli_SOURCES = tests/test_cli.c $(TESTUTIL)
tests_test_cli_CFLAGS = $(TEST_CFLAGS)
tests_test_cli_LDADD = $(TEST_LIBS)
tests_test_util_SOURCES = tests/test_util.c $(TESTUTIL)
tests_test_util_CFLAGS = $(TEST_CFLAGS)
tests_test_util_LDADD = $(TEST_LIBS)
endif

TESTS += tests/man-lint.sh
dist_check_SCRIPTS += tests/man-lint.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/test_numfmt tests/test_metric
TESTS += tests/test_numfmt tests/test_metric
tests_test_numfmt_SOURCES = tests/test_numfmt.c $(TESTUTIL)
tests_test_numfmt_CFLAGS = $(TEST_CFLAGS)
tests_test_numfmt_LDADD = $(TEST_LIBS)
tests_test_metric_SOURCES = tests/test_metric.c $(TESTUTIL)
tests_test_metric_CFLAGS = $(TEST_CFLAGS)
tests_test_metric_LDADD = $(TEST_LIBS)
endif
