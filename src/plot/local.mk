# figures through gnuplot (only here)
src_libapotview_a_SOURCES += \
	src/plot/plot.c src/plot/plot.h \
	src/plot/plot_run.c src/plot/plot_run.h \
	src/plot/figures.c src/plot/figures.h \
	src/plot/fig_common.c src/plot/fig_common.h src/plot/fig_key.c \
	src/plot/fig_hist.c src/plot/fig_curves.c src/plot/fig_layers.c src/plot/fig_channels.c src/plot/fig_heat.c src/plot/fig_panels.c \
	src/plot/cli.c src/plot/fig_plan.c \
	src/plot/fig_group.c src/plot/fig_group.h src/plot/hist_stored.c src/plot/hist_stored.h \
	src/plot/fig_stored.c src/plot/fig_stored.h
