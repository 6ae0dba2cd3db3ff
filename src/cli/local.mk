src_libapotview_a_SOURCES += \
	src/cli/options.c src/cli/options.h src/cli/usage.c \
	src/cli/report.c src/cli/report.h src/cli/report_rows.h \
	src/cli/report_pool.c \
	src/cli/fmt_table.c src/cli/fmt_json.c src/cli/fmt_json.h src/cli/fmt_csv.c src/cli/fmt_c.c \
	src/cli/export_npy.c src/cli/export_npy.h \
	src/cli/compare.c src/cli/compare.h src/cli/compare_priv.h src/cli/compare_out.c src/cli/compare_best.c \
	src/cli/compare_stored.c \
	src/cli/plan_imx.c src/cli/plan_imx.h \
	src/cli/plan.c src/cli/plan.h src/cli/plan_priv.h src/cli/plan_out.c src/cli/plan_solve.c
