## tests owned by the ui layer: the view logic in cmocka (no terminal), the
## real binary in tmux (tests/ui/ui-*.sh through tests/lib/tmux-lib.sh, skip
## with 77 without tmux) on fixtures of tests/lib/ui_mkfix.
if HAVE_CMOCKA
check_PROGRAMS += tests/ui/test_ui_layout
TESTS += tests/ui/test_ui_layout
tests_ui_test_ui_layout_SOURCES = tests/ui/test_ui_layout.c
tests_ui_test_ui_layout_CFLAGS = $(TEST_CFLAGS)
tests_ui_test_ui_layout_LDADD = $(TEST_LIBS)
endif
TESTS += tests/ui/ui-tmux.sh
dist_check_SCRIPTS += tests/ui/ui-tmux.sh
TESTS += tests/ui/ui-group.sh
dist_check_SCRIPTS += tests/ui/ui-group.sh
if HAVE_CMOCKA
check_PROGRAMS += tests/ui/test_ui_glayout
TESTS += tests/ui/test_ui_glayout
tests_ui_test_ui_glayout_SOURCES = tests/ui/test_ui_glayout.c
tests_ui_test_ui_glayout_CFLAGS = $(TEST_CFLAGS)
tests_ui_test_ui_glayout_LDADD = $(TEST_LIBS)
endif
TESTS += tests/ui/ui-explore.sh
dist_check_SCRIPTS += tests/ui/ui-explore.sh
if HAVE_CMOCKA
check_PROGRAMS += tests/ui/test_ui_model
TESTS += tests/ui/test_ui_model
tests_ui_test_ui_model_SOURCES = tests/ui/test_ui_model.c
tests_ui_test_ui_model_CFLAGS = $(TEST_CFLAGS)
tests_ui_test_ui_model_LDADD = $(TEST_LIBS)
endif
TESTS += tests/ui/ui-list.sh tests/ui/ui-plan.sh
dist_check_SCRIPTS += tests/ui/ui-list.sh tests/ui/ui-plan.sh
TESTS += tests/ui/ui-fit.sh
dist_check_SCRIPTS += tests/ui/ui-fit.sh
TESTS += tests/ui/ui-small.sh
dist_check_SCRIPTS += tests/ui/ui-small.sh
TESTS += tests/ui/ui-engine.sh
dist_check_SCRIPTS += tests/ui/ui-engine.sh
TESTS += tests/ui/ui-stored.sh
dist_check_SCRIPTS += tests/ui/ui-stored.sh
