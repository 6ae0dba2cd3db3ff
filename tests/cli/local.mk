## tests owned by the front end's model and the command line: options,
## --levels/--sweep/--report output (test_cli), the metric table behind the
## table, JSON and CSV formatters (test_metric); every option in the man
## page (man-lint.sh)
TESTS += tests/cli/man-lint.sh
dist_check_SCRIPTS += tests/cli/man-lint.sh
if HAVE_CMOCKA
check_PROGRAMS += tests/cli/test_cli
TESTS += tests/cli/test_cli
tests_cli_test_cli_SOURCES = tests/cli/test_cli.c $(TESTUTIL)
tests_cli_test_cli_CFLAGS = $(TEST_CFLAGS)
tests_cli_test_cli_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/cli/test_metric
TESTS += tests/cli/test_metric
tests_cli_test_metric_SOURCES = tests/cli/test_metric.c $(TESTUTIL)
tests_cli_test_metric_CFLAGS = $(TEST_CFLAGS)
tests_cli_test_metric_LDADD = $(TEST_LIBS)
endif
## issue 12: --levels --format=c, compiled by $(CC)
if HAVE_CMOCKA
check_PROGRAMS += tests/cli/test_levels_c
TESTS += tests/cli/test_levels_c
tests_cli_test_levels_c_SOURCES = tests/cli/test_levels_c.c $(TESTUTIL)
tests_cli_test_levels_c_CFLAGS = $(TEST_CFLAGS)
tests_cli_test_levels_c_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/cli/test_cmdline
TESTS += tests/cli/test_cmdline
tests_cli_test_cmdline_SOURCES = tests/cli/test_cmdline.c $(TESTUTIL)
tests_cli_test_cmdline_CFLAGS = $(TEST_CFLAGS)
tests_cli_test_cmdline_LDADD = $(TEST_LIBS)
endif
