## tests owned by the core layer: util (number formats, escaping, globs),
## numfmt (numbers that fit a width)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_util
TESTS += tests/test_util
tests_test_util_SOURCES = tests/test_util.c $(TESTUTIL)
tests_test_util_CFLAGS = $(TEST_CFLAGS)
tests_test_util_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_numfmt
TESTS += tests/test_numfmt
tests_test_numfmt_SOURCES = tests/test_numfmt.c $(TESTUTIL)
tests_test_numfmt_CFLAGS = $(TEST_CFLAGS)
tests_test_numfmt_LDADD = $(TEST_LIBS)
endif
