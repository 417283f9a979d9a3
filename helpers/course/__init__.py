"""Course tooling, for maintainers and instructors (notebooks never import it): presets and quality bars
(`config`), the headless runner (`runner`), the claims report (`report`) and the teaching kit (`kit`)."""

from .config import (
    NOTEBOOK_DIR,
    PRESETS,
    REPO_ROOT,
    check_bars,
    course_config,
    find_notebooks,
    parse_bar,
    preset_parameters,
)

__all__ = ["NOTEBOOK_DIR", "PRESETS", "REPO_ROOT", "check_bars", "course_config", "find_notebooks", "parse_bar",
           "preset_parameters"]
