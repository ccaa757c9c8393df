# tailback - a deterministic discrete-event simulator of networks under load.
# Plain make: `make` builds ./tailback, `make check` runs every test, `make demo`
# runs the shipped demo; every target that needs a library depends on `deps`,
# which installs missing Debian packages.

PREFIX  ?= /usr/local
DESTDIR ?=
DATADIR  = $(PREFIX)/share/tailback
MANDIR   = $(PREFIX)/share/man/man1
DOCDIR   = $(PREFIX)/share/doc/tailback
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions

CC      ?= cc
OPT     ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wformat=2
# Recursive (=) so pkg-config runs only when a recipe needs it, after `deps`.
PKG_CFLAGS = $(shell pkg-config --cflags gsl libcjson lua5.4)
PKG_LIBS   = $(shell pkg-config --libs gsl libcjson lua5.4) -lm
CHECK_LIBS = $(shell pkg-config --libs check)
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DTB_DATADIR='"$(DATADIR)"' -I$(BUILD) \
           -DTB_SOURCE_ROOT='"$(CURDIR)"'
ALL_CFLAGS = $(WARN) $(OPT) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)

BUILD   ?= build
DEB_PKGS = gnuplot-nox libgsl-dev libcjson-dev liblua5.4-dev check pkg-config parallel

SIM_SRC    = $(wildcard sim/*.c)
MODEL_SRC  = $(wildcard models/*.c)
EXP_SRC    = $(wildcard experiment/*.c)
LIB_OBJ    = $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRC) $(MODEL_SRC) $(EXP_SRC))
TEST_SRC   = $(wildcard tests/check_*.c)
TEST_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC))

.PHONY: check-slurm FORCE all deps check unit layers analyze replay golden e2e bench demo sanitize sanitize-clang check-san valgrind fuzz papers install uninstall clean

all: tailback

# Install what is missing, through sudo when not root; quiet when all is there.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if ! command -v apt-get >/dev/null; then echo "deps: no apt-get; install$$missing by hand" >&2; exit 1; fi; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The git commit the manifest records: rewritten only when it changes, so
# that a rebuild recompiles only what includes it.
$(BUILD)/tb_build.h: FORCE
	@mkdir -p $(BUILD); c=$$(git -C "$(CURDIR)" rev-parse HEAD 2>/dev/null || echo none); \
	d=$$(git -C "$(CURDIR)" status --porcelain --untracked-files=no 2>/dev/null | head -c1 | wc -c); \
	printf '#define TB_GIT_COMMIT "%s"\n#define TB_GIT_DIRTY %s\n' "$$c" "$$d" > $@.tmp; \
	cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/experiment/tb_results.o: $(BUILD)/tb_build.h
FORCE:

$(BUILD)/libtailback.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# ./tailback is the build tree's binary, copied to where the docs run it
tailback: $(BUILD)/tailback
	rm -f $@ && cp $< $@

$(BUILD)/check_all: $(TEST_OBJ) $(BUILD)/libtailback.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/bench: $(BUILD)/tests/bench.o $(BUILD)/libtailback.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# The Check suites (Check prints its summary line), the fuzzers' findings
# replayed, the layering rules, the golden outputs, then the end-to-end
# tests.
check: unit layers replay golden e2e

# docs/experiment.md's Slurm recipe on a real single-node Slurm (started and
# stopped by the test, state in a temporary folder), byte-compared with a
# local sweep; skipped with a message when slurm-wlm is not installed.
check-slurm: tailback
	sh tests/slurm.sh ./tailback

# GCC's static analyzer over every source; each finding left is explained
# as a false positive in a comment at its site.
analyze: | deps $(BUILD)/tb_build.h
	@for f in $(SIM_SRC) $(MODEL_SRC) $(EXP_SRC) tailback.c; do \
	  $(CC) -fanalyzer -c -o /dev/null $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $$f || exit 1; done

# The layering rules and self-contained headers (tests/layers.sh).
layers: | deps $(BUILD)/tb_build.h
	@CC="$(CC)" CFLAGS="$(WARN) $(CPPFLAGS) $(PKG_CFLAGS) -Wno-unused-function" sh tests/layers.sh

# Every output of every shipped scenario and experiment, shortened, against
# the hashes recorded before the last refactoring (tests/golden.sh).
golden: tailback
	sh tests/golden.sh ./tailback --check tests/golden/outputs.sha256

unit: $(BUILD)/check_all
	$(BUILD)/check_all

e2e: tailback $(BUILD)/refined
	REFINED=$(BUILD)/refined sh tests/e2e.sh ./tailback

bench: $(BUILD)/bench tailback
	$(BUILD)/bench

# The main job: the seed scenario (a blockchain and an AI pipeline sharing a
# verifier, hit by a holiday rush), its results and its figures.
demo: tailback
	./tailback run scenarios/seed-holiday-rush.json --out results/demo
	./tailback plot results/demo --format png,svg
	./tailback report results/demo
	@echo "demo: results/demo/summary.json and CSVs, figures in results/demo/plots/, report results/demo/report.html"

# The whole suite again, built with AddressSanitizer and UBSan in a separate tree.
sanitize: deps
	$(MAKE) BUILD=build-san OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  TAILBACK_BIN=build-san/tailback check-san

# The same with clang (undefined behaviour and addresses), every finding fatal.
# (libclang-rt-14-dev holds the sanitizer runtimes: clang only recommends it)
sanitize-clang: deps
	@for p in clang libclang-rt-14-dev; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || \
	  { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; $$SUDO apt-get update -qq; $$SUDO apt-get install -y -qq --no-install-recommends $$p >/dev/null; }; done
	$(MAKE) CC=clang BUILD=build-clang OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  TAILBACK_BIN=build-clang/tailback check-san

check-san: $(BUILD)/check_all $(BUILD)/tailback $(BUILD)/refined replay
	CK_TIMEOUT_MULTIPLIER=10 $(BUILD)/check_all
	REFINED=$(BUILD)/refined sh tests/e2e.sh $(BUILD)/tailback

$(BUILD)/tailback: $(BUILD)/tailback.o $(BUILD)/libtailback.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# The core suites (engine, streams, distributions, statistics, loader, Lua
# policies: tag "core") under valgrind memcheck; leaks are errors.  The long
# model-level suites run under ASan/UBSan in `make sanitize`.
valgrind: $(BUILD)/check_all
	CK_FORK=no CK_INCLUDE_TAGS=core valgrind --error-exitcode=1 --leak-check=full \
	  --errors-for-leak-kinds=definite,indirect,possible $(BUILD)/check_all

# Regenerate every paper under papers/ (tables spliced into the READMEs,
# figures copied beside them, CPU times logged in build/papers/run-times.md,
# never in the committed files, so that a rerun gives them byte for byte).
# QUICK=1 runs fewer replications and shorter runs into copies of the
# READMEs and figures in results/papers-quick/site/, leaving papers/ (the
# full mode's) untouched; PAPERS="name ..." regenerates only those papers.
PAPERS_OUT ?= $(if $(QUICK),results/papers-quick,build/papers)
papers: tailback $(BUILD)/check_all $(BUILD)/refined $(BUILD)/ci-estimators
	$(if $(PAPERS),PAPERS="$(PAPERS)") ESTIMATORS=$(BUILD)/ci-estimators sh papers/make.sh ./tailback $(BUILD)/check_all $(BUILD)/refined $(PAPERS_OUT) $(if $(QUICK),quick,full)

# papers/ci-coverage's comparison of candidate intervals, in-process.
$(BUILD)/ci-estimators: $(BUILD)/papers/ci-coverage/estimators.o $(BUILD)/libtailback.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# The refined mean-field predictions of papers/power-of-d-choices.
$(BUILD)/refined: $(BUILD)/papers/power-of-d-choices/refined.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# The fuzz harnesses (tests/fuzz/README.md), each also linked to a small
# main that feeds it files: `make check` replays every finding kept in
# tests/fuzz/regress/HARNESS/ (and the seeds of the run and policy
# harnesses), under whatever sanitizers this build has.
FUZZ_HARNESSES = scenario experiment run policy
FUZZ_REPLAY = $(patsubst %,$(BUILD)/fuzz-replay-%,$(FUZZ_HARNESSES))
$(BUILD)/fuzz-replay-%: $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libtailback.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)
.PRECIOUS: $(BUILD)/tests/fuzz/%.o
replay: $(FUZZ_REPLAY)
	@for h in $(FUZZ_HARNESSES); do $(BUILD)/fuzz-replay-$$h tests/fuzz/regress/$$h || exit 1; done
	@$(BUILD)/fuzz-replay-policy tests/fuzz/seeds/policy lua tests/policies/*.lua
	@$(BUILD)/fuzz-replay-run tests/fuzz/seeds/run

# Fuzz with libFuzzer (clang, ASan + UBSan, undefined behaviour a crash):
# FUZZ_SECONDS per harness, or FUZZ=NAME for one.  Seeds: the shipped
# scenarios, experiments and policies, the bad-input corpus, the findings
# so far.  A crash leaves its input in build-fuzz/: fix it, then add the
# input to tests/fuzz/regress/HARNESS/, which `make check` replays.
FUZZ_SECONDS ?= 60
FUZZ ?= $(FUZZ_HARNESSES)
FUZZ_SRC = $(SIM_SRC) $(MODEL_SRC) $(EXP_SRC)
fuzz:
	@for p in clang libclang-rt-14-dev; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || \
	  { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; $$SUDO apt-get install -y -qq $$p >/dev/null; }; done
	$(MAKE) deps $(BUILD)/tb_build.h
	@for h in $(FUZZ_HARNESSES); do mkdir -p build-fuzz/corpus-$$h; cp tests/fuzz/regress/$$h/* build-fuzz/corpus-$$h/ 2>/dev/null; done; true
	cp scenarios/*.json tests/bad/*.json build-fuzz/corpus-scenario/ 2>/dev/null; true
	cp scenarios/experiments/*.json tests/bad/*.exp.json build-fuzz/corpus-experiment/ 2>/dev/null; true
	cp tests/fuzz/seeds/run/* build-fuzz/corpus-run/; cp lua/*.lua tests/policies/*.lua tests/fuzz/seeds/policy/* build-fuzz/corpus-policy/
	for h in $(FUZZ); do \
	  case $$h in policy) dict=tests/fuzz/lua.dict ;; run) dict= ;; *) dict=tests/fuzz/json.dict ;; esac; \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(CPPFLAGS) $(PKG_CFLAGS) \
	    -o build-fuzz/fuzz_$$h tests/fuzz/fuzz_$$h.c $(FUZZ_SRC) $(PKG_LIBS) || exit 1; \
	  ./build-fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) $${dict:+-dict=$$dict} -max_len=8192 -timeout=10 \
	    -artifact_prefix=build-fuzz/$$h- build-fuzz/corpus-$$h || exit 1; \
	done

# The binary, its data, and for people: the manual page tailback(1) (made by
# the binary from its own --help texts), the docs, the Python reader and
# bash completion.
install: tailback
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/scenarios $(DESTDIR)$(DATADIR)/lua \
	  $(DESTDIR)$(DATADIR)/plots $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR)/img $(DESTDIR)$(BASHCOMPDIR)
	./tailback help --man > $(DESTDIR)$(MANDIR)/tailback.1
	install -m 644 README.md docs/*.md contrib/tailback_results.py $(DESTDIR)$(DOCDIR)/
	for f in docs/img/*; do [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(DOCDIR)/img/; done; true
	install -m 644 contrib/tailback.bash $(DESTDIR)$(BASHCOMPDIR)/tailback
	install -m 755 tailback $(DESTDIR)$(PREFIX)/bin/tailback
	install -d $(DESTDIR)$(DATADIR)/scenarios/experiments
	install -m 644 scenarios/*.json $(DESTDIR)$(DATADIR)/scenarios/
	install -m 644 scenarios/experiments/*.json $(DESTDIR)$(DATADIR)/scenarios/experiments/
	install -d $(DESTDIR)$(DATADIR)/scenarios/generators
	install -m 644 scenarios/generators/*.lua $(DESTDIR)$(DATADIR)/scenarios/generators/
	install -m 644 plots/*.gp $(DESTDIR)$(DATADIR)/plots/
	for f in lua/*.lua; do [ -e "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(DATADIR)/lua/; done; true

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tailback $(DESTDIR)$(MANDIR)/tailback.1 $(DESTDIR)$(BASHCOMPDIR)/tailback
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-san build-clang build-fuzz tailback

-include $(wildcard $(BUILD)/*.d $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
