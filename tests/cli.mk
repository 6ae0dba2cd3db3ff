## tests owned by the front end's model and the command line: options,
## --levels/--sweep/--report output (test_cli), the metric table behind the
## table, JSON and CSV formatters (test_metric)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_cli
TESTS += tests/test_cli
tests_test_cli_SOURCES = tests/test_cli.c $(TESTUTIL)
tests_test_cli_CFLAGS = $(TEST_CFLAGS)
tests_test_cli_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_metric
TESTS += tests/test_metric
tests_test_metric_SOURCES = tests/test_metric.c $(TESTUTIL)
tests_test_metric_CFLAGS = $(TEST_CFLAGS)
tests_test_metric_LDADD = $(TEST_LIBS)
endif
## issue 12: --levels --format=c, compiled by $(CC)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_levels_c
TESTS += tests/test_levels_c
tests_test_levels_c_SOURCES = tests/test_levels_c.c $(TESTUTIL)
tests_test_levels_c_CFLAGS = $(TEST_CFLAGS)
tests_test_levels_c_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_cmdline
TESTS += tests/test_cmdline
tests_test_cmdline_SOURCES = tests/test_cmdline.c $(TESTUTIL)
tests_test_cmdline_CFLAGS = $(TEST_CFLAGS)
tests_test_cmdline_LDADD = $(TEST_LIBS)
endif
