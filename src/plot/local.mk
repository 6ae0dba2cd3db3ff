# figures through gnuplot (only here)
src_libapotview_a_SOURCES += \
	src/plot/plot.c src/plot/plot.h \
	src/plot/figures.c src/plot/figures.h \
	src/plot/cli.c \
	src/plot/fig_group.c src/plot/fig_group.h
