## tests owned by the quant layer: level sets and the exact engine against
## brute force (test_levels, test_engine); issue 6: schemes, Lloyd-Max,
## clipping, demo tensors, granularity
if HAVE_CMOCKA
check_PROGRAMS += tests/test_levels
TESTS += tests/test_levels
tests_test_levels_SOURCES = tests/test_levels.c $(TESTUTIL)
tests_test_levels_CFLAGS = $(TEST_CFLAGS)
tests_test_levels_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_engine
TESTS += tests/test_engine
tests_test_engine_SOURCES = tests/test_engine.c $(TESTUTIL)
tests_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_test_engine_LDADD = $(TEST_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/test_schemes
TESTS += tests/test_schemes
tests_test_schemes_SOURCES = tests/test_schemes.c $(TESTUTIL)
tests_test_schemes_CFLAGS = $(TEST_CFLAGS)
tests_test_schemes_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_lloyd_clip
TESTS += tests/test_lloyd_clip
tests_test_lloyd_clip_SOURCES = tests/test_lloyd_clip.c $(TESTUTIL)
tests_test_lloyd_clip_CFLAGS = $(TEST_CFLAGS)
tests_test_lloyd_clip_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_demo
TESTS += tests/test_demo
tests_test_demo_SOURCES = tests/test_demo.c $(TESTUTIL)
tests_test_demo_CFLAGS = $(TEST_CFLAGS)
tests_test_demo_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_group
TESTS += tests/test_group
tests_test_group_SOURCES = tests/test_group.c $(TESTUTIL)
tests_test_group_CFLAGS = $(TEST_CFLAGS)
tests_test_group_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_gq
TESTS += tests/test_gq
tests_test_gq_SOURCES = tests/test_gq.c $(TESTUTIL)
tests_test_gq_CFLAGS = $(TEST_CFLAGS)
tests_test_gq_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_summary
TESTS += tests/test_summary
tests_test_summary_SOURCES = tests/test_summary.c $(TESTUTIL)
tests_test_summary_CFLAGS = $(TEST_CFLAGS)
tests_test_summary_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/test_iface
TESTS += tests/test_iface
tests_test_iface_SOURCES = tests/test_iface.c $(TESTUTIL)
tests_test_iface_CFLAGS = $(TEST_CFLAGS)
tests_test_iface_LDADD = $(TEST_LIBS)
endif
## issue 12: levels as sums of powers of two, the error histogram
if HAVE_CMOCKA
check_PROGRAMS += tests/test_pow2
TESTS += tests/test_pow2
tests_test_pow2_SOURCES = tests/test_pow2.c $(TESTUTIL)
tests_test_pow2_CFLAGS = $(TEST_CFLAGS)
tests_test_pow2_LDADD = $(TEST_LIBS)
endif

check_PROGRAMS += tests/test_weighted
TESTS += tests/test_weighted
tests_test_weighted_SOURCES = tests/test_weighted.c $(TESTUTIL)
tests_test_weighted_CFLAGS = $(TEST_CFLAGS)
tests_test_weighted_LDADD = $(TEST_LIBS)
