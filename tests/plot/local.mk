## tests owned by the plot layer: figures through gnuplot (tests/plot/plot.sh
## and tests/plot/plot-quote.sh skip with 77 when gnuplot is not installed)
TESTS += tests/plot/plot.sh tests/plot/plot-quote.sh
dist_check_SCRIPTS += tests/plot/plot.sh tests/plot/plot-quote.sh
## figures a paper can use (issue 13): every kind's PDF read back with
## pdftotext -bbox (sizes, page, overlaps), every .tex through pdflatex,
## PNG pHYs, SVG sizes and colours, companions, --alpha=file, transfer
TESTS += tests/plot/fig-layout.sh tests/plot/fig-tex.sh tests/plot/fig-export.sh tests/plot/fig-damage.sh
dist_check_SCRIPTS += tests/plot/fig-layout.sh tests/plot/fig-tex.sh tests/plot/fig-export.sh tests/plot/fig-damage.sh
## the --plan figure (fixtures of tests/data/plan)
TESTS += tests/plot/plan-fig.sh
dist_check_SCRIPTS += tests/plot/plan-fig.sh
## no string from a file is ever gnuplot code: every figure's script with
## hostile names checked structurally (no gnuplot needed)
check_PROGRAMS += tests/plot/test_plot_script
TESTS += tests/plot/test_plot_script
tests_plot_test_plot_script_SOURCES = tests/plot/test_plot_script.c
tests_plot_test_plot_script_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests/lib
tests_plot_test_plot_script_LDADD = $(APOTVIEW_LIBS)
