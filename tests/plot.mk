## tests owned by the plot layer: figures through gnuplot (tests/plot.sh
## and tests/plot-quote.sh skip with 77 when gnuplot is not installed)
TESTS += tests/plot.sh tests/plot-quote.sh
dist_check_SCRIPTS += tests/plot.sh tests/plot-quote.sh
## figures a paper can use (issue 13): every kind's PDF read back with
## pdftotext -bbox (sizes, page, overlaps), every .tex through pdflatex,
## PNG pHYs, SVG sizes and colours, companions, --alpha=file, transfer
TESTS += tests/fig-layout.sh tests/fig-tex.sh tests/fig-export.sh tests/fig-damage.sh
dist_check_SCRIPTS += tests/fig-layout.sh tests/fig-tex.sh tests/fig-export.sh tests/fig-damage.sh
EXTRA_DIST += tests/fig-bbox.awk
## no string from a file is ever gnuplot code: every figure's script with
## hostile names checked structurally (no gnuplot needed)
check_PROGRAMS += tests/test_plot_script
TESTS += tests/test_plot_script
tests_test_plot_script_SOURCES = tests/test_plot_script.c tests/gp_check.h
tests_test_plot_script_LDADD = $(APOTVIEW_LIBS)
