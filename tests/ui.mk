## tests owned by the ui layer: the view logic in cmocka (no terminal), the
## real binary in tmux (tests/ui-tmux.sh, skips with 77 without tmux), and
## the fixture writer both use.
check_PROGRAMS += tests/ui_mkfix
tests_ui_mkfix_SOURCES = tests/ui_mkfix.c
tests_ui_mkfix_LDADD = -lm
if HAVE_CMOCKA
check_PROGRAMS += tests/test_ui_layout
TESTS += tests/test_ui_layout
tests_test_ui_layout_SOURCES = tests/test_ui_layout.c
tests_test_ui_layout_CFLAGS = $(TEST_CFLAGS)
tests_test_ui_layout_LDADD = $(TEST_LIBS)
endif
TESTS += tests/ui-tmux.sh
dist_check_SCRIPTS += tests/ui-tmux.sh
EXTRA_DIST += tests/tmux-lib.sh
TESTS += tests/ui-group.sh
dist_check_SCRIPTS += tests/ui-group.sh
if HAVE_CMOCKA
check_PROGRAMS += tests/test_ui_glayout
TESTS += tests/test_ui_glayout
tests_test_ui_glayout_SOURCES = tests/test_ui_glayout.c
tests_test_ui_glayout_CFLAGS = $(TEST_CFLAGS)
tests_test_ui_glayout_LDADD = $(TEST_LIBS)
endif
TESTS += tests/ui-explore.sh
dist_check_SCRIPTS += tests/ui-explore.sh
if HAVE_CMOCKA
check_PROGRAMS += tests/test_ui_model
TESTS += tests/test_ui_model
tests_test_ui_model_SOURCES = tests/test_ui_model.c
tests_test_ui_model_CFLAGS = $(TEST_CFLAGS)
tests_test_ui_model_LDADD = $(TEST_LIBS)
endif
TESTS += tests/ui-list.sh tests/ui-plan.sh
dist_check_SCRIPTS += tests/ui-list.sh tests/ui-plan.sh
TESTS += tests/ui-fit.sh
dist_check_SCRIPTS += tests/ui-fit.sh
TESTS += tests/ui-small.sh
dist_check_SCRIPTS += tests/ui-small.sh
TESTS += tests/ui-engine.sh
dist_check_SCRIPTS += tests/ui-engine.sh
TESTS += tests/ui-stored.sh
dist_check_SCRIPTS += tests/ui-stored.sh
