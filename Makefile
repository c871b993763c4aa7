# hub - connector hub.  `make help` lists the targets.
#
#   make              build bin/hubd, bin/hubctl, plugins/<name>/<name>.so
#   make test         build and run every test (unit + end to end)
#   make test SAN=1   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make run          hubd on the demo tenant (conf.d/), sample catalog imported
#   make bench        benchmarks, a table of medians
#   make install PREFIX=/usr/local
#
# Missing Debian packages are installed by tools/install-deps.sh (as root) or
# the exact apt-get command is printed.

SAN     ?= 0
PREFIX  ?= /usr/local
CC      ?= cc
PYTHON  ?= /usr/bin/python3

PKGS    := libuv jansson libcurl lmdb lua5.4 inih libcrypto
LLHTTP_DIR     ?= /usr/share/llhttp
LLHTTP_INCLUDE ?= /usr/share/include/llhttp

ifeq ($(SAN),1)
B        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
PLUGOUT  := $(B)/plugins
else
B        := build
SANFLAGS :=
OPT      := -O2
PLUGOUT  := plugins
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP \
             -Icore/include -Icore -I$(LLHTTP_INCLUDE) $(PKG_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -ldl -lm -lpthread
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

CORE_DIRS := common config store lua plugin engine import net sync
CORE_SRC  := $(sort $(foreach d,$(CORE_DIRS),$(wildcard core/$(d)/*.c)))
CORE_OBJ  := $(CORE_SRC:%.c=$(B)/obj/%.o)
LLHTTP_SRC := api.c http.c llhttp.c
LLHTTP_OBJ := $(LLHTTP_SRC:%.c=$(B)/obj/llhttp/%.o)
LIBCORE   := $(B)/libhubcore.a

HUBD_OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(sort $(wildcard core/hubd/*.c)))
HUBCTL_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(sort $(wildcard core/hubctl/*.c)))

PLUGIN_NAMES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/*.c)))))
PLUGIN_SOS   := $(foreach p,$(PLUGIN_NAMES),$(PLUGOUT)/$(p)/$(p).so)

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
UNIT_HELPERS := $(patsubst %.c,$(B)/obj/%.o,$(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c)))

DEPS_OK := $(B)/.deps-ok

.PHONY: all test unit e2e run bench install clean deps help check-config valgrind format node-deps
.DEFAULT_GOAL := all

all: bin/hubd bin/hubctl $(PLUGIN_SOS)
ifeq ($(SAN),1)
all: $(B)/bin/hubd $(B)/bin/hubctl
endif

help:
	@sed -n '2,12p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- dependencies
deps: $(DEPS_OK)
$(DEPS_OK): tools/install-deps.sh
	@tools/install-deps.sh
	@mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------- objects
$(B)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/obj/llhttp/%.o: $(LLHTTP_DIR)/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -g $(SANFLAGS) -w -I$(LLHTTP_INCLUDE) -c $< -o $@

$(LIBCORE): $(CORE_OBJ) $(LLHTTP_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# ---------------------------------------------------------------- programs
ifeq ($(SAN),1)
BIN := $(B)/bin
else
BIN := bin
endif

$(BIN)/hubd: $(HUBD_OBJ) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(HUBD_OBJ) $(LIBCORE) $(LDLIBS_ALL)

$(BIN)/hubctl: $(HUBCTL_OBJ) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(HUBCTL_OBJ) $(LIBCORE) $(LDLIBS_ALL)

# Plugins link only against what they use themselves; never against the core.
define PLUGIN_RULE
$(PLUGOUT)/$(1)/$(1).so: $(wildcard plugins/$(1)/*.c) $(wildcard plugins/$(1)/*.h) $(wildcard core/include/hub/*.h) | $(DEPS_OK)
	@mkdir -p $$(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -shared -fvisibility=hidden \
	    -Icore/include $(PKG_CFLAGS) -o $$@ $(wildcard plugins/$(1)/*.c) $(PKG_LIBS)
endef
$(foreach p,$(PLUGIN_NAMES),$(eval $(call PLUGIN_RULE,$(p))))

# ---------------------------------------------------------------- plugin loader fixtures
# (owner: plugin loader) Deliberately broken plugins for tests/unit/test_loader*.c:
# tests/fixtures/plugins/<x>.c -> $(B)/fixtures/plugins/<x>/<x>.so, built with the
# plugin flags.  The loader tests depend on them (and on the example plugin).
FIXTURE_NAMES := $(sort $(notdir $(basename $(wildcard tests/fixtures/plugins/*.c))))
FIXTURE_SOS   := $(foreach f,$(FIXTURE_NAMES),$(B)/fixtures/plugins/$(f)/$(f).so)
define FIXTURE_RULE
$(B)/fixtures/plugins/$(1)/$(1).so: tests/fixtures/plugins/$(1).c $(wildcard core/include/hub/*.h) | $(DEPS_OK)
	@mkdir -p $$(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -shared -fvisibility=hidden \
	    -Icore/include -o $$@ $$<
endef
$(foreach f,$(FIXTURE_NAMES),$(eval $(call FIXTURE_RULE,$(f))))
$(filter $(B)/tests/test_loader%,$(UNIT_BINS)): $(FIXTURE_SOS) $(PLUGOUT)/example/example.so

# ---------------------------------------------------------------- tests
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(UNIT_HELPERS) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(UNIT_HELPERS) $(LIBCORE) $(LDLIBS_ALL) -lcmocka

export HUB_BIN_DIR    := $(abspath $(BIN))
export HUB_PLUGIN_DIR := $(abspath $(PLUGOUT))
export HUB_SRC_DIR    := $(abspath .)
export HUB_BUILD_DIR  := $(abspath $(B))
export HUB_SAN        := $(SAN)
export ASAN_OPTIONS   := detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS  := print_stacktrace=1:halt_on_error=1

test: unit e2e

unit: all $(FIXTURE_SOS) $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

# End-to-end tests mostly wait on hubd and simulators: run four at a time
# (pytest-xdist; each test has its own ports and directories).
PYTEST_JOBS ?= -n 4
NODE_DIRS := tests/e2e/mcp_client tests/e2e/widget_dom
e2e: all node-deps
	$(PYTHON) -m pytest -q $(PYTEST_JOBS) tests/e2e

# The JS test clients (official MCP client, Ajv, jsdom) from their lock files,
# once, before the parallel tests start.
node-deps:
	@for d in $(NODE_DIRS); do [ -d $$d/node_modules ] || (cd $$d && npm ci --no-audit --no-fund) || exit 1; done

# ---------------------------------------------------------------- run, bench
DATA ?= $(abspath var)
run: all
	@tools/run-demo.sh

bench: all
	@$(MAKE) --no-print-directory -C bench B=$(abspath $(B)) BIN=$(abspath $(BIN))

valgrind: all
	HUB_VALGRIND=1 $(PYTHON) -m pytest -q tests/e2e/test_core_e2e.py tests/e2e/test_admin_http.py

check-config: all
	$(BIN)/hubd --check --config conf.d

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/hub/plugins \
	    $(DESTDIR)$(PREFIX)/share/hub/scripts/lib $(DESTDIR)$(PREFIX)/include/hub \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 bin/hubd bin/hubctl $(DESTDIR)$(PREFIX)/bin/
	for p in $(PLUGIN_NAMES); do install -d $(DESTDIR)$(PREFIX)/lib/hub/plugins/$$p && \
	    install -m 755 plugins/$$p/$$p.so $(DESTDIR)$(PREFIX)/lib/hub/plugins/$$p/; done
	install -m 644 scripts/*.lua $(DESTDIR)$(PREFIX)/share/hub/scripts/
	install -m 644 scripts/lib/*.lua $(DESTDIR)$(PREFIX)/share/hub/scripts/lib/
	install -m 644 core/include/hub/*.h $(DESTDIR)$(PREFIX)/include/hub/
	sed -e 's|@PREFIX@|$(PREFIX)|g' tools/hub-plugin.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/hub-plugin.pc

clean:
	rm -rf build build-san bin $(foreach p,$(PLUGIN_NAMES),plugins/$(p)/$(p).so)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
