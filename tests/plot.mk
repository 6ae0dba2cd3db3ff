## tests owned by the plot layer: figures through gnuplot (tests/plot.sh
## skips with 77 when gnuplot is not installed)
TESTS += tests/plot.sh
dist_check_SCRIPTS += tests/plot.sh
