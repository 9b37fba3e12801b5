# yoloc: YOLO detector training in C.
#
#   make demo        install what is needed, build, and run the main job
#   make test        install what is needed, build, and run every test
#   make             build bin/yoloc and bin/yoloc-kernel (CPU)
#   make GPU=1       ... with the CUDA backend (needs nvcc, cuDNN, cuBLAS, NCCL)
#   make asan        the C unit tests under AddressSanitizer + UBSan
#   make bench       benchmarks against the peers (docs/BENCHMARKS.md)
#   make check-long  the long checks (fuzzing, long trainings)
#   make gpu-bundle  gpu-bundle/: the GPU build, libraries, wheels, data (docs/CUDA.md)
#   make deps        Debian packages and the test virtualenv .venv
#   make ref-env     the reference environment .venv-ref (torch + ultralytics)
#   make help        this list
.DEFAULT_GOAL := all
SHELL := /bin/bash

GPU ?= 0
CC := gcc
NVCC ?= nvcc
CUDA_HOME ?= /usr/local/cuda
PKGS := libzmq libcjson libpng cairo libturbojpeg yaml-0.1 libcrypto uuid openblas
PYTHON_VENV := .venv/bin/python
REF_PYTHON ?= .venv-ref/bin/python

ifeq ($(GPU),1)
FLAVOR := gpu
else
FLAVOR := cpu
endif
BUILD ?= build/$(FLAVOR)
BINDIR ?= bin

# Recursive (=) so that pkg-config runs only when a recipe needs it, after `make deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))
OPT ?= -O2
# snprintf truncation is deliberate wherever we use it (bounded messages).
WARN := -Wall -Wextra -Werror -Wno-format-truncation
V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif
CFLAGS = -std=c11 $(OPT) -g $(WARN) -D_GNU_SOURCE -pthread -MMD -MP \
         -Itrainer -Itracking $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS = $(PKG_LIBS) -lpthread -lm $(EXTRA_LDLIBS)

ifeq ($(GPU),1)
CFLAGS += -DYC_WITH_CUDA -I$(CUDA_HOME)/include
LDLIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudnn -lcublas -lnccl -lcudart -lstdc++
NVCCFLAGS := -O2 -std=c++17 -Xcompiler -Wall,-Werror -Itrainer \
             -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90
endif

LIB_SRC := $(wildcard trainer/*.c) $(wildcard tracking/*.c)
CUDA_SRC := $(wildcard cuda/*.cu)
CLI_SRC := $(filter-out cli/main.c,$(wildcard cli/*.c))
KERNEL_SRC := $(filter-out kernel/main.c,$(wildcard kernel/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)
PARITY_SRC := $(wildcard tests/tools/parity/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
ifeq ($(GPU),1)
LIB_OBJ += $(CUDA_SRC:%.cu=$(BUILD)/obj/%.o)
endif
# GPU-flavour programs (tests/gpu/*.c: the CUDA backend's tests and benchmark, and
# the parity checker with its --device switch), built into build/gpu/tests only.
GPU_PROG_SRC := $(wildcard tests/gpu/*.c)
GPU_PROGS := $(GPU_PROG_SRC:tests/gpu/%.c=build/gpu/tests/%) build/gpu/tests/parity
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=tests/bin/%) tests/bin/parity

LIB := $(BUILD)/libyoloc.a
CLI_LIB := $(BUILD)/libyoloc-cli.a
KERNEL_LIB := $(BUILD)/libyoloc-kernel.a
PROGRAMS := $(BINDIR)/yoloc $(BINDIR)/yoloc-kernel

# Programs built by another flavor (cpu vs gpu) are relinked.
ifneq ($(shell cat $(BINDIR)/.flavor 2>/dev/null),$(FLAVOR))
$(shell rm -f $(PROGRAMS))
endif

.PHONY: all deps test test-c test-py asan demo bench check-long install-kernel ref-env \
        fixtures gpu-check gpu-programs gpu-bundle clean help units tools

all: $(PROGRAMS) units tools

help:
	@sed -n '2,13p' Makefile | sed 's/^# \{0,1\}//'

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cu
	@mkdir -p $(@D)
	@echo "  NVCC    $<"
	$(Q)$(NVCC) $(NVCCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CLI_LIB): $(CLI_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(KERNEL_LIB): $(KERNEL_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BINDIR)/yoloc: $(BUILD)/obj/cli/main.o $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
	@echo $(FLAVOR) > $(BINDIR)/.flavor

$(BINDIR)/yoloc-kernel: $(BUILD)/obj/kernel/main.o $(KERNEL_LIB) $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
	@echo $(FLAVOR) > $(BINDIR)/.flavor

# C unit tests: one program per tests/unit/test_*.c, linked with everything.
units: $(UNIT_BIN)
$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(KERNEL_LIB) $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -Icli -Ikernel $< $(KERNEL_LIB) $(CLI_LIB) $(LIB) -o $@ $(LDLIBS)

# Test tools (tests/bin/parity, ...): programs the Python tests call.
tools: $(TOOL_BIN)
tests/bin/%: tests/tools/%.c $(KERNEL_LIB) $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CFLAGS) -Icli -Ikernel $< $(KERNEL_LIB) $(CLI_LIB) $(LIB) -o $@ $(LDLIBS)

# The parity checker is several files: one per fixture kind (tests/tools/parity/).
tests/bin/parity: $(PARITY_SRC) tests/tools/parity/parity.h $(LIB)
	@mkdir -p $(@D)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/tools/parity $(PARITY_SRC) $(LIB) -o $@ $(LDLIBS)

ifeq ($(GPU),1)
gpu-programs: $(GPU_PROGS)
build/gpu/tests/%: tests/gpu/%.c tests/unit/check.h $(LIB)
	@mkdir -p $(@D)
	@echo "  GPUTEST $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB) -o $@ $(LDLIBS)
build/gpu/tests/parity: $(PARITY_SRC) tests/tools/parity/parity.h $(LIB)
	@mkdir -p $(@D)
	@echo "  GPUTEST $@"
	$(Q)$(CC) $(CFLAGS) -Itests/tools/parity $(PARITY_SRC) $(LIB) -o $@ $(LDLIBS)
endif

deps:
	@tools/deps.sh

# Everything CI checks. Sub-makes so that pkg-config runs after deps.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory gpu-check
	@$(MAKE) --no-print-directory test-py

# The pytest suite; it also runs each C unit test program (tests/py/test_c_units.py).
test-py:
	$(PYTHON_VENV) -m pytest -q tests/py

# Compiles and links the CUDA backend where nvcc exists (no GPU needed), so
# that CUDA code which no longer builds fails CI.
gpu-check:
	@if command -v $(NVCC) >/dev/null 2>&1 || [ -x $(CUDA_HOME)/bin/nvcc ]; then \
	    echo "gpu-check: building the CUDA flavor into build/gpu"; \
	    PATH="$$PATH:$(CUDA_HOME)/bin" $(MAKE) --no-print-directory GPU=1 BINDIR=build/gpu/bin \
	        build/gpu/bin/yoloc build/gpu/bin/yoloc-kernel gpu-programs; \
	else echo "gpu-check: skipped: nvcc not found"; fi

# The folder the GPU machine needs beside the working tree (docs/CUDA.md).
gpu-bundle: deps gpu-check
	@tools/gpu/bundle.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BINDIR=build/asan/bin OPT="-O1" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	    EXTRA_LDLIBS="-fsanitize=address,undefined" units
	@tools/run-units.sh build/asan/tests

# Sub-makes so that pkg-config runs after deps (a fresh machine).
demo: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install-kernel
	@tools/demo.sh

install-kernel: $(PROGRAMS)
	@tools/install-kernel.sh

bench: deps all
	@tools/bench.sh

check-long: deps all
	@tools/check-long.sh

ref-env:
	@tools/ref-env.sh

# Regenerates every committed reference fixture (tests/fixtures/) from the
# reference environment. Run by hand; commit what changes.
fixtures: ref-env
	@for script in tests/parity/make_*.py tests/parity/gen_*.py; do \
	    echo "fixtures: $$script"; $(REF_PYTHON) $$script || exit 1; done

clean:
	rm -rf build bin tests/bin

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/tests/*.d tests/bin/*.d)
