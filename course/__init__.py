"""Course tooling, for maintainers and instructors (notebooks never import it): presets and quality bars
(`config`), the headless runner (`run`), the claims report (`report`) and the teaching kit (`kit`)."""

from .config import (
    KERNELSPEC,
    NOTEBOOK_DIR,
    PRESETS,
    REPO_ROOT,
    check_bars,
    course_config,
    find_notebooks,
    is_lab,
    parse_bar,
    preset_parameters,
    restore_hint,
    run_problem,
)

__all__ = ["KERNELSPEC", "NOTEBOOK_DIR", "PRESETS", "REPO_ROOT", "check_bars", "course_config", "find_notebooks",
           "is_lab", "parse_bar", "preset_parameters", "restore_hint", "run_problem"]
