## tests owned by the quant layer: level sets and the exact engine against
## brute force (test_levels, test_engine); issue 6: schemes, Lloyd-Max,
## clipping, granularity; the two report
## engines through the binary (engine-cli.sh)
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_levels
TESTS += tests/quant/test_levels
tests_quant_test_levels_SOURCES = tests/quant/test_levels.c $(TESTUTIL)
tests_quant_test_levels_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_levels_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/quant/test_engine
TESTS += tests/quant/test_engine
tests_quant_test_engine_SOURCES = tests/quant/test_engine.c $(TESTUTIL)
tests_quant_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_engine_LDADD = $(TEST_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_schemes
TESTS += tests/quant/test_schemes
tests_quant_test_schemes_SOURCES = tests/quant/test_schemes.c $(TESTUTIL)
tests_quant_test_schemes_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_schemes_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_lloyd_clip
TESTS += tests/quant/test_lloyd_clip
tests_quant_test_lloyd_clip_SOURCES = tests/quant/test_lloyd_clip.c $(TESTUTIL)
tests_quant_test_lloyd_clip_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_lloyd_clip_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_group
TESTS += tests/quant/test_group
tests_quant_test_group_SOURCES = tests/quant/test_group.c $(TESTUTIL)
tests_quant_test_group_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_group_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_gq
TESTS += tests/quant/test_gq
tests_quant_test_gq_SOURCES = tests/quant/test_gq.c $(TESTUTIL)
tests_quant_test_gq_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_gq_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_summary
TESTS += tests/quant/test_summary
tests_quant_test_summary_SOURCES = tests/quant/test_summary.c $(TESTUTIL)
tests_quant_test_summary_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_summary_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_iface
TESTS += tests/quant/test_iface
tests_quant_test_iface_SOURCES = tests/quant/test_iface.c $(TESTUTIL)
tests_quant_test_iface_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_iface_LDADD = $(TEST_LIBS)
endif
## issue 12: levels as sums of powers of two, the error histogram
if HAVE_CMOCKA
check_PROGRAMS += tests/quant/test_pow2
TESTS += tests/quant/test_pow2
tests_quant_test_pow2_SOURCES = tests/quant/test_pow2.c $(TESTUTIL)
tests_quant_test_pow2_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_pow2_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/quant/test_weighted
TESTS += tests/quant/test_weighted
tests_quant_test_weighted_SOURCES = tests/quant/test_weighted.c $(TESTUTIL)
tests_quant_test_weighted_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_weighted_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/quant/test_gqopt
TESTS += tests/quant/test_gqopt
tests_quant_test_gqopt_SOURCES = tests/quant/test_gqopt.c $(TESTUTIL)
tests_quant_test_gqopt_CFLAGS = $(TEST_CFLAGS)
tests_quant_test_gqopt_LDADD = $(TEST_LIBS)
endif
TESTS += tests/quant/engine-cli.sh
dist_check_SCRIPTS += tests/quant/engine-cli.sh
