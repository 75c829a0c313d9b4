"""Warm toolchain processes: TensorFlow imported once, a forked child per step.

Every step is its own Nx task and so its own process, and importing TensorFlow costs about 4 s of CPU before a
step does anything (more than the whole step for a small model). `python -m tf2aif_toolchain.warm <step args>`
runs the step exactly as `python -m tf2aif_toolchain <step args>` would, but in a child forked from a server that
imported TensorFlow once (server.py): the child gets this process's stdin/stdout/stderr, working directory,
environment and umask, imports tf2aif's own modules fresh (an edited toolchain is what runs), and its exit code
or signal becomes this process's. Where no server is up, this process starts one in the background and runs the
step itself, cold. Linux only; TF2AIF_WARM=0 turns it off.
"""
