## the hostile corpus of issue 10: tests/gen_hostile (libc only) writes
## files in every format with hostile names and metadata; tests/hostile.sh
## runs every report and figure on them (skips with 77 without gnuplot)
check_PROGRAMS += tests/gen_hostile
tests_gen_hostile_SOURCES = tests/gen_hostile.c
tests_gen_hostile_LDADD =
TESTS += tests/hostile.sh
dist_check_SCRIPTS += tests/hostile.sh
