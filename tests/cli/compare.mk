## tests of --compare (cli/compare.h) and the name table (model/namemap.h);
## fixtures from tests/lib/gen_compare_fixtures.py
if HAVE_CMOCKA
check_PROGRAMS += tests/cli/test_namemap
TESTS += tests/cli/test_namemap
tests_cli_test_namemap_SOURCES = tests/cli/test_namemap.c $(TESTUTIL)
tests_cli_test_namemap_CFLAGS = $(TEST_CFLAGS)
tests_cli_test_namemap_LDADD = $(TEST_LIBS)
endif
TESTS += tests/cli/compare-cli.sh
dist_check_SCRIPTS += tests/cli/compare-cli.sh
EXTRA_DIST += tests/lib/gen_compare_fixtures.py
dist_check_DATA += \
	tests/data/compare/orig.safetensors tests/data/compare/f16.safetensors \
	tests/data/compare/q.gguf tests/data/compare/mismatch.gguf \
	tests/data/compare/badtype.gguf tests/data/compare/cut.gguf \
	tests/data/compare/moe.safetensors tests/data/compare/moe_missing.safetensors \
	tests/data/compare/moe.gguf tests/data/compare/awq/config.json \
	tests/data/compare/awq/model.safetensors tests/data/compare/expected.json
## --imatrix and --plan (cli/plan.h, io/imatrix.h); fixtures from
## tests/lib/gen_plan_fixtures.py
TESTS += tests/cli/plan-cli.sh
dist_check_SCRIPTS += tests/cli/plan-cli.sh
EXTRA_DIST += tests/lib/gen_plan_fixtures.py
dist_check_DATA += \
	tests/data/plan/imatrix.gguf tests/data/plan/imatrix.dat \
	tests/data/plan/cut.gguf tests/data/plan/cut.dat \
	tests/data/plan/wronglen.gguf tests/data/plan/nocounts.gguf \
	tests/data/plan/plan6.safetensors tests/data/plan/imatrix6.gguf \
	tests/data/plan/ones6.dat tests/data/plan/imatrix_moe.gguf \
	tests/data/plan/expected.json
