## tests owned by the core layer: util (number formats, escaping, globs),
## numfmt (numbers that fit a width)
if HAVE_CMOCKA
check_PROGRAMS += tests/core/test_util
TESTS += tests/core/test_util
tests_core_test_util_SOURCES = tests/core/test_util.c $(TESTUTIL)
tests_core_test_util_CFLAGS = $(TEST_CFLAGS)
tests_core_test_util_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/core/test_numfmt
TESTS += tests/core/test_numfmt
tests_core_test_numfmt_SOURCES = tests/core/test_numfmt.c $(TESTUTIL)
tests_core_test_numfmt_CFLAGS = $(TEST_CFLAGS)
tests_core_test_numfmt_LDADD = $(TEST_LIBS)
endif
