#!/usr/bin/env bash
# How many conversions to run at once: one per core, but at most one per 4 GiB of memory
# (a ResNet50 conversion or calibration peaks at about 3 GiB here).
cores="$(nproc 2>/dev/null || echo 2)"
mem_gib="$(awk '/MemTotal/ {print int($2 / 1048576)}' /proc/meminfo 2>/dev/null || echo 8)"
by_mem=$(( mem_gib / 4 ))
p=$(( cores < by_mem ? cores : by_mem ))
echo $(( p < 1 ? 1 : p ))
