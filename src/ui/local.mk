# the interactive viewer (ncurses only here)
src_libapotview_a_SOURCES += \
	src/ui/ui.c src/ui/ui.h src/ui/app.h \
	src/ui/calc.c src/ui/actions.c src/ui/overlay.c src/ui/export.c src/ui/bench.c \
	src/ui/draw.c src/ui/draw.h src/ui/uimodel.c src/ui/uimodel.h \
	src/ui/keys.c src/ui/keys.h \
	src/ui/layout.c src/ui/layout.h \
	src/ui/teach.c src/ui/teach.h \
	src/ui/term.c src/ui/term.h \
	src/ui/worker.c src/ui/worker.h \
	src/ui/view_main.c src/ui/view_curve.c src/ui/view_list.c \
	src/ui/view_channel.c src/ui/view_group.c src/ui/glayout.c src/ui/glayout.h \
	src/ui/view_explore.c src/ui/explore.c src/ui/explore.h
src_libapotview_a_SOURCES += src/ui/view_error.c src/ui/view_decomp.c src/ui/view_log2.c src/ui/ui_cmd.c
src_libapotview_a_SOURCES += src/ui/view_stored.c src/ui/view_stored.h src/ui/view_compare.c
