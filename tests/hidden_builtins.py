"""A module whose globals hide builtins, for tests/test_lower_names.py."""

set = list  # noqa: A001 (hides the builtin on purpose)


def distinct_count_times(x):
    return x * len({1.0, 2.0})
