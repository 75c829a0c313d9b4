"""The ceiling's theoretical figures: logical cores x clock x operations per cycle, from the CPU's flags."""

from tf2aif_toolchain.bench.ceiling import conv_flops, held_to, theoretical


def test_an_avx512_vnni_cpu_and_an_avx2_one():
    vnni = theoretical({"sse2", "avx2", "avx512f", "avx512bw", "avx512_vnni"}, 2.8, 2)
    assert vnni["isa"] == "AVX-512 VNNI" and vnni["fp32Gflops"] == 358.4 and vnni["int8Gops"] == 1433.6
    avx2 = theoretical({"sse2", "avx2", "fma"}, 3.0, 4)
    # no dot-product instruction: INT8 at twice FP32's rate, named by its FP32 ISA
    assert avx2["isa"] == "AVX2" and avx2["fp32Gflops"] == 384.0 and avx2["int8Gops"] == 768.0
    assert "4 logical cores x 3.0 GHz" in avx2["basis"]


def test_zen4_runs_avx512_at_avx2s_width():
    zen4 = theoretical({"sse2", "avx2", "avx512f", "avx512bw", "avx512_vnni"}, 2.6, 2, half_width_avx512=True)
    assert zen4["isa"] == "AVX-512 VNNI" and zen4["fp32Gflops"] == 166.4 and zen4["int8Gops"] == 665.6
    assert "256-bit units" in zen4["basis"]


def test_a_kernel_faster_than_the_figure_says_the_clock_read_is_too_low():
    zen4 = theoretical({"sse2", "avx2", "avx512f", "avx512bw", "avx512_vnni"}, 2.6, 2, half_width_avx512=True)
    # measured on a 2-core Zen 4 VM whose /proc/cpuinfo says 2.6 GHz
    held = held_to(zen4, 2.6, 216.5, 845.7)
    assert held["upperBound"] is False and held["fp32Gflops"] == 166.4
    assert "ran at 3.38 GHz or more" in held["basis"] and "no upper bound" in held["basis"]
    assert held_to(zen4, 2.6, 150.0, 600.0) == zen4


def test_an_unknown_clock_gives_no_figure_rather_than_a_guess():
    assert theoretical({"avx2"}, None, 2)["fp32Gflops"] is None


def test_the_convolution_counts_two_operations_per_multiply_add():
    assert conv_flops() == 2 * 28 * 28 * 128 * 128 * 9
