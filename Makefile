# psys: top-level Makefile.
#
#   make            everything into $(BUILD)/ (needs clang, bpftool, libbpf)
#   make tools      only the workstation programs (psys-fold, psys-svg,
#                   psys-watch): no clang, bpftool, libbpf or BTF needed
#   make test       build, then run every unit and end-to-end test
#   make run        the main job: watch, capture bursts, render SVGs
#   make bench      the side-by-side benchmark (never part of `make test`)
#   make install PREFIX=/usr/local DESTDIR=
#   make clean
#   V=1 shows the commands; SANITIZE=1 builds with ASan+UBSan.
#
# Each cmd/NAME/ folder becomes $(BUILD)/NAME; lib/*.c becomes
# $(BUILD)/libpsys.a; tests/unit/test_*.c and tests/tools/*.c become
# programs in $(BUILD)/tests/. Programs listed in BPF_CMDS also link libbpf
# and the generated BPF skeleton; nothing else does.

VERSION  := 0.1.0
BUILD    ?= build
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
CFLAGS   ?= -O2 -g
ARCH     ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH ?= $(shell $(CC) -print-multiarch 2>/dev/null)

override CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-D_GNU_SOURCE -DPSYS_VERSION='"$(VERSION)"' -Ilib -Ibpf -I$(BUILD)/bpf \
	-MMD -MP
ifeq ($(SANITIZE),1)
override CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
endif

WS_LIBS  := -lzstd -ljansson -lelf -lz -lm
BPF_LIBS := -lbpf

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

CMDS      := $(notdir $(wildcard cmd/*))
BPF_CMDS  := psys-record
WS_CMDS   := $(filter-out $(BPF_CMDS),$(CMDS))

LIB_SRCS  := $(wildcard lib/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBPSYS   := $(BUILD)/libpsys.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)

.DELETE_ON_ERROR:
.PHONY: all tools test bench run deps install uninstall clean
.SECONDARY:

all: $(CMDS:%=$(BUILD)/%) $(UNIT_BINS) $(TOOL_BINS)

tools: $(WS_CMDS:%=$(BUILD)/%)

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIBPSYS): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The BPF object: compiled for the BPF target against the UAPI headers
# only (no vmlinux.h, no CO-RE), so it loads on any kernel with BPF ring
# buffers and perf_event programs.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf \
		$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH)) -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# One link rule per program; the BPF ones also depend on the skeletons.
define CMD_template
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard cmd/$(1)/*.c))
$(BUILD)/$(1): $$($(1)_OBJS) $(LIBPSYS)
	$$(call msg,LINK,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) $$($(1)_OBJS) $(LIBPSYS) $(WS_LIBS) $(if $(filter $(1),$(BPF_CMDS)),$(BPF_LIBS)) -o $$@
ifneq ($(filter $(1),$(BPF_CMDS)),)
$$($(1)_OBJS): $(BPF_SKELS)
endif
endef
$(foreach c,$(CMDS),$(eval $(call CMD_template,$(c))))

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(LIBPSYS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(LIBPSYS) $(WS_LIBS) -o $@

# Test programs keep frame pointers: the user-stack tests walk them.
$(BUILD)/tests/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fno-omit-frame-pointer $(LDFLAGS) $< -o $@

test: all
	$(Q)tests/run.sh $(BUILD)

bench: all
	$(Q)bench/run.sh $(BUILD)

# The main job: psys-watch | psys-record, each capture rendered to SVG.
run: all
	$(Q)scripts/psys-run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(CMDS:%=$(BUILD)/%) $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(CMDS:%=$(DESTDIR)$(BINDIR)/%)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
