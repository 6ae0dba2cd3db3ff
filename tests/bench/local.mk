## make bench: every benchmark script of tests/bench, each prints its own
## figures.
BENCH_LIST = tests/bench/bench-engine tests/bench/bench-io tests/bench/bench-ui tests/bench/bench-gq \
	tests/bench/bench-plan tests/bench/bench-compare
EXTRA_DIST += $(BENCH_LIST)
EXTRA_PROGRAMS = tests/bench/bench_eval tests/bench/bench_dequant
tests_bench_bench_eval_SOURCES = tests/bench/bench_eval.c tests/lib/kit.h
tests_bench_bench_eval_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests/lib
tests_bench_bench_eval_LDADD = $(APOTVIEW_LIBS)
tests_bench_bench_dequant_SOURCES = tests/bench/bench_dequant.c
tests_bench_bench_dequant_LDADD = $(APOTVIEW_LIBS)
CLEANFILES += tests/bench/bench_eval tests/bench/bench_dequant
bench: all tests/bench/bench_eval tests/bench/bench_dequant
	@for s in $(BENCH_LIST); do \
	  echo "== $$s"; \
	  APOTVIEW=$(abs_top_builddir)/src/apotview abs_top_srcdir=$(abs_top_srcdir) \
	  abs_top_builddir=$(abs_top_builddir) $(SHELL) $(srcdir)/$$s || exit 1; \
	done
.PHONY: bench
