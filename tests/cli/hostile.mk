## the hostile corpus of issue 10: tests/lib/gen_hostile (libc only) writes
## files in every format with hostile names and metadata; tests/cli/hostile.sh
## runs every report and figure on them (skips with 77 without gnuplot)
TESTS += tests/cli/hostile.sh
dist_check_SCRIPTS += tests/cli/hostile.sh
